import Foundation
import LedgerCore
import Testing

/// The pipelined bulk append (`append(kind:payloads:batchSize:committed:)`): it must build
/// the same chain as one `append` call per batch, acknowledge batches in order, and leave a
/// ledger that verifies and reopens.
@Suite("Bulk append in pipelined group commits")
struct BulkAppendTests {
    @Test("bulk appends of 50 payloads chain, sequence and commit exactly like one append per batch",
          arguments: [1, 7, 50, 64])
    func sameChainAsPerBatchAppends(_ batchSize: Int) throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let payloads = Ledgers.payloads(50, tag: "bulk")
        var batches: [[Entry]] = []
        let before = try appendInOwnScope(network, payloads, batchSize) { batches.append($0) }

        let entries = batches.flatMap { $0 }
        #expect(batches.map(\.count) == stride(from: 0, to: 50, by: batchSize).map { min(batchSize, 50 - $0) })
        #expect(entries.map(\.payload) == payloads, "payloads in order")
        for (previous, entry) in zip(entries, entries.dropFirst()) {
            #expect(entry.links == [previous.id], "entry \(entry.sequence) links to the one before it")
            #expect(entry.sequence == previous.sequence + 1)
            #expect(entry.timestamp > previous.timestamp, "hybrid clock order follows append order")
        }
        let reopened = try network.founder()
        #expect(reopened.entryCount == before + 50)
        #expect(try reopened.entry(id: entries[entries.count - 1].id)?.payload == payloads[49])
        #expect(reopened.verify().ok)
    }

    /// Appends through the bulk call on a ledger opened and released inside this call, so
    /// the caller's reopen sees only what reached the disk. Returns the count before.
    private func appendInOwnScope(
        _ network: TestNetwork, _ payloads: [[UInt8]], _ batchSize: Int, committed: ([Entry]) -> Void
    ) throws -> Int {
        let ledger = try network.founder()
        let before = ledger.entryCount
        let appended = try ledger.append(kind: "anchor", payloads: payloads, batchSize: batchSize, committed: committed)
        #expect(appended == payloads.count)
        #expect(ledger.entryCount == before + payloads.count)
        // One signed tree head per group commit, the last one covering everything.
        #expect(ledger.treeHeads.last?.treeSize == UInt64(ledger.entryCount))
        let report = ledger.verify()
        #expect(report.ok, "\(report.faults)")
        return before
    }

    @Test("a batch size of zero is refused before anything is signed or stored")
    func zeroBatchSizeIsRefused() throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let ledger = try network.founder()
        let before = ledger.entryCount
        #expect(throws: CoreError.self) { try ledger.append(kind: "anchor", payloads: Ledgers.payloads(3, tag: "z"), batchSize: 0) }
        #expect(ledger.entryCount == before)
    }
}
