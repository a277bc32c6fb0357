import Foundation
import LedgerCore
import LedgerIndex
import LedgerSite
import Logging
import Synchronization
import Testing
import TestSupport

/// The fault sweep of the derived-state database: every call the site makes to it during
/// ``IndexWorkload`` fails in turn (Specs/site-layout.md §9.7).
@Suite("Fault injection into the derived-state database")
struct IndexFaultSweepTests {
    /// Runs the workload with `plan`; returns the calls it counted and what struck.
    static func runCase(_ workload: IndexWorkload, _ plan: FaultPlan, number: Int) throws -> (calls: Int, struck: [String], answers: IndexedNetwork.Answers) {
        let path = workload.folder.path + "/fault-\(number)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try workload.copyCentral(to: path)
        let label = "call \(plan.failing) failing \(plan.when.rawValue) its work\(plan.forever ? ", and every call after" : "")"
        let warnings = WarningLog()
        IndexWorkload.run(workload.steps, at: path, logger: warnings.logger, opener: plan.opener) { step, error in
            // A failing database is a cache that is behind: no command fails for it.
            Issue.record("\(label): \(step) failed: \(error)")
        }
        let struck = plan.struck
        if !struck.isEmpty {
            #expect(warnings.messages.contains { $0.contains("derived-state database") }, "\(label): the failure was not reported: \(warnings.messages)")
        }
        // The next open (with a working database) answers as a fresh reindex, and the database agrees with the log.
        let answers = try IndexWorkload.answers(at: path)
        #expect(answers == (try IndexWorkload.reindexedAnswers(of: path)), "\(label), struck \(struck)")
        #expect(answers.conflicts == answers.conflictsFromLog, "\(label)")
        let ledger = try SiteAccess.openForWriting(at: path, wait: .seconds(5), logger: IndexWorkload.quiet)
        #expect(ledger.verifyDerivedState().isEmpty, "\(label): \(ledger.verifyDerivedState().map(\.what))")
        #expect(try ledger.currentIndex()?.appliedSize() == ledger.entryCount, "\(label)")
        return (plan.calls, struck, answers)
    }

    @Test("Failing derived-state database call N = 1, 2, … of appends, a consent import, an ingest, an admission, a recorded check and a reopen — before or after its work, once or for good — fails no command, is logged, and the next open answers as a fresh reindex and verifies")
    func failEveryDatabaseCall() async throws {
        try await BlockingWork.run {
            let workload = try IndexWorkload()
            defer { workload.folder.remove() }
            let dryRun = try Self.runCase(workload, FaultPlan(failing: .max, when: .before, forever: false), number: 0)
            #expect(dryRun.struck.isEmpty)
            // The workload is rich enough to matter: the ingest made consent conflicts, the admission a member.
            #expect(!dryRun.answers.conflicts.isEmpty)
            #expect(dryRun.answers.members.count == 3)
            var total = 0
            var struckCalls: Set<String> = []
            for forever in [false, true] {
                for when in FaultPlan.When.allCases {
                    for call in 1...dryRun.calls {
                        total += 1
                        let outcome = try Self.runCase(workload, FaultPlan(failing: call, when: when, forever: forever), number: total)
                        struckCalls.formUnion(outcome.struck)
                    }
                }
            }
            print("derived-state fault sweep: \(total) cases over \(dryRun.calls) database calls; calls struck: \(struckCalls.sorted())")
            // The sweep reaches every kind of call a commit and an open make.
            for call in ["open", "state", "appliedSize", "apply"] { #expect(struckCalls.contains(call), "the sweep never struck \(call)") }
            #expect(dryRun.calls >= 10)
        }
    }
}

/// A logger that keeps the warnings it is given.
final class WarningLog: Sendable {
    let store = Mutex<[String]>([])
    var messages: [String] { store.withLock { $0 } }

    var logger: Logger {
        Logger(label: "test") { _ in Handler(log: self) }
    }

    struct Handler: LogHandler {
        let log: WarningLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .warning
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            log.store.withLock { $0.append(event.message.description) }
        }
    }
}
