import Dispatch
import Foundation
import LedgerCore
import LedgerStorage
@testable import LedgerSite
import StorageTestSupport
import TestSupport
import Testing

/// The API's group commit with its `fdatasync` off the ledger's queue (Specs/fhir-api.md §4.3).
@Suite("Decision committer")
struct DecisionCommitterTests {
    /// What the committer told: each consult's outcome and each batch it applied, in order.
    final class Recorder: @unchecked Sendable {  // every field is guarded by `lock`.
        private let lock = NSLock()
        private let done = DispatchSemaphore(value: 0)
        private var outcomes: [(tag: Int, entry: Entry?)] = []
        private var batches: [[Hash32]] = []

        func answered(_ tag: Int, _ result: Result<Entry, any Error>) {
            lock.withLock { outcomes.append((tag, try? result.get())) }
            done.signal()
        }
        func committed(_ entries: [Entry]) { lock.withLock { batches.append(entries.map(\.id)) } }
        /// Waits for `count` answers (no timeout: a missing answer hangs the test, as it would a client).
        func waitForAnswers(_ count: Int) { for _ in 0..<count { done.wait() } }
        var answers: [(tag: Int, entry: Entry?)] { lock.withLock { outcomes } }
        var committedBatches: [[Hash32]] { lock.withLock { batches } }
    }

    struct Fixture {
        let folder: TemporaryDirectory
        let gate = GatedSyncFileSystem()
        let service: LedgerSyncService
        let committer: DecisionCommitter
        let recorder = Recorder()
        let site: String

        init() throws {
            folder = try TemporaryDirectory(prefix: "committer")
            site = folder.path + "/founder"
            let ledger = try SiteLedger.foundNetwork(at: site, siteName: "founder", networkName: "committer-net", fileSystem: gate)
            service = try LedgerSyncService(ledger: ledger)
            let recorder = recorder
            committer = DecisionCommitter(service: service, inFlight: ConsultsInFlight()) { _, entries in recorder.committed(entries) }
        }

        /// Adds consults `tags` on the ledger's queue, as decided consults do.
        func add(_ tags: [Int]) throws {
            let committer = committer, recorder = recorder
            try service.withLedgerBlocking { _, _ in
                for tag in tags { committer.add([UInt8(tag)]) { recorder.answered(tag, $0) } }
            }
        }

        /// Returns once the step on the ledger's queue that answered the last consult is done
        /// (it applies the batch after answering it).
        func drain() throws { try service.withLedgerBlocking { _, _ in } }

        /// The ledger's entry count, read on its queue.
        func entryCount() throws -> Int { try service.withLedgerBlocking { ledger, _ in ledger.entryCount } }
    }

    @Test("no consult is answered before the sync of its batch; consults decided during a sync form the next batch")
    func nothingAnsweredBeforeTheSync() throws {
        let fixture = try Fixture()
        defer { fixture.folder.remove() }
        let before = try fixture.entryCount()
        fixture.gate.hold()
        try fixture.add([1])
        fixture.gate.waitUntilHeld()  // batch [1] is written and its sync is running
        try fixture.add([2, 3])  // the queue still decides while the sync runs
        #expect(fixture.recorder.answers.isEmpty)
        #expect(try fixture.entryCount() == before, "nothing is counted before its sync")
        #expect(fixture.recorder.committedBatches.isEmpty)
        fixture.gate.release()
        fixture.recorder.waitForAnswers(3)
        try fixture.drain()
        let answers = fixture.recorder.answers
        #expect(answers.map(\.tag) == [1, 2, 3], "answered in order")
        let entries = answers.compactMap(\.entry)
        #expect(entries.map(\.payload) == [[1], [2], [3]])
        #expect(fixture.recorder.committedBatches == [[entries[0].id], [entries[1].id, entries[2].id]])
        #expect(entries[1].links == [entries[0].id] && entries[2].links == [entries[1].id])
        let leaves = try fixture.service.withLedgerBlocking { ledger, set in
            (try entries.map { try ledger.leafIndex(of: $0.id) }, entries.allSatisfy { set.contains($0.id) })
        }
        #expect(leaves.0 == [before, before + 1, before + 2])
        #expect(leaves.1, "the sync set holds every answered entry")
    }

    @Test("a failing sync fails exactly its batch's consults, cuts its entries, and the next batch takes their place")
    func failingSyncFailsItsBatch() throws {
        let fixture = try Fixture()
        defer { fixture.folder.remove() }
        let before = try fixture.entryCount()
        fixture.gate.hold()
        try fixture.add([1, 2])
        fixture.gate.waitUntilHeld()
        try fixture.add([3])
        fixture.gate.failNextSync()
        fixture.gate.release()
        fixture.recorder.waitForAnswers(3)
        try fixture.drain()
        let answers = fixture.recorder.answers
        #expect(answers.map(\.tag) == [1, 2, 3])
        #expect(answers[0].entry == nil && answers[1].entry == nil, "the failed batch is not acknowledged")
        let third = try #require(answers[2].entry)
        #expect(fixture.recorder.committedBatches == [[third.id]], "only the durable batch is applied")
        #expect(try fixture.entryCount() == before + 1)
        let leaf = try fixture.service.withLedgerBlocking { ledger, _ in try ledger.leafIndex(of: third.id) }
        #expect(leaf == before, "the durable batch takes the cut batch's place")
        let verified = try fixture.service.withLedgerBlocking { ledger, _ in ledger.verify().ok }
        #expect(verified)
    }
}
