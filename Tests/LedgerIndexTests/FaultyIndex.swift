import Foundation
import LedgerCore
import LedgerIndex
import Synchronization

/// A ``DerivedStateIndex`` around the real ``SiteIndex`` whose call number `failing` (counted
/// from 1 over every call of every database it opened, the opener's included) throws:
/// before the call reaches the database, or after it did its work (a commit whose
/// acknowledgement was lost). With `forever`, every later call throws too.
///
/// The count lives in this object, which a test makes for one case: no global state.
final class FaultPlan: Sendable {
    /// Where the fault strikes relative to the real call.
    enum When: String, CaseIterable, Sendable { case before, after }

    struct State {
        var calls = 0
        var struck: [String] = []
    }

    let failing: Int
    let when: When
    let forever: Bool
    let state = Mutex(State())

    init(failing: Int, when: When, forever: Bool) {
        self.failing = failing; self.when = when; self.forever = forever
    }

    /// Calls counted so far.
    var calls: Int { state.withLock { $0.calls } }
    /// The calls that threw, by name.
    var struck: [String] { state.withLock { $0.struck } }

    /// The opener a site is given: the real database, wrapped.
    var opener: DerivedStateIndexOpener {
        { [self] layout in
            FaultyIndex(real: try self.call("open") { try SiteIndex.opener(layout) }, plan: self)
        }
    }

    /// Counts one call and runs it, throwing where the plan says.
    func call<T>(_ name: String, _ body: () throws -> T) throws -> T {
        let strike = state.withLock { state -> Bool in
            state.calls += 1
            let strike = state.calls == failing || (forever && state.calls > failing)
            if strike { state.struck.append(name) }
            return strike
        }
        guard strike else { return try body() }
        if when == .after { _ = try body() }
        throw InjectedIndexFault(call: name)
    }
}

/// The error a planned fault throws.
struct InjectedIndexFault: Error, CustomStringConvertible {
    let call: String
    var description: String { "injected derived-state database fault in \(call)" }
}

/// The wrapped database.
final class FaultyIndex: DerivedStateIndex {
    let real: any DerivedStateIndex
    let plan: FaultPlan

    init(real: any DerivedStateIndex, plan: FaultPlan) { self.real = real; self.plan = plan }

    private func forward<T>(_ name: String, _ body: (any DerivedStateIndex) throws -> T) throws -> T {
        try plan.call(name) { try body(real) }
    }

    func state() throws -> DerivedState? { try forward("state") { try $0.state() } }
    func appliedSize() throws -> Int { try forward("appliedSize") { try $0.appliedSize() } }
    func reset() throws { try forward("reset") { try $0.reset() } }
    func apply(_ entries: [IndexedEntry], voided: Set<Hash32>) throws { try forward("apply") { try $0.apply(entries, voided: voided) } }
    func entryIDs(author: Hash32, sequence: UInt64) throws -> [Hash32] { try forward("entryIDs") { try $0.entryIDs(author: author, sequence: sequence) } }
}
