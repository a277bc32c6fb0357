import LedgerCore
import LedgerIndex
import Testing
import TestSupport

/// An append that leaves the derived-state database behind (`updatingIndex: false`, the API's
/// group commit answering before it applies the batch, Specs/fhir-api.md §4.3): the caller
/// applies it, or else the next commit or the next open catches the index up from the log.
@Suite("An append that leaves the index behind")
struct DeferredIndexUpdateTests {
    private static func notes(_ count: Int, _ tag: String) -> [[UInt8]] {
        (0..<count).map { Array("{\"\(tag)\":\($0)}".utf8) }
    }

    @Test("is applied by the caller, else by the next commit, else at the next open (a kill before the apply)")
    func caughtUp() throws {
        let network = try IndexedNetwork()
        var logSize = 0
        do {
            let ledger = try network.openCentral()
            let first = try ledger.append(kind: "note", payloads: Self.notes(3, "a"), updatingIndex: false)
            #expect(!ledger.indexIsLevelWithLog)
            ledger.updateIndex(afterCommitOf: first)
            #expect(ledger.indexIsLevelWithLog)
            _ = try ledger.append(kind: "note", payloads: Self.notes(2, "b"), updatingIndex: false)
            #expect(!ledger.indexIsLevelWithLog)
            try ledger.append(kind: "note", payloads: Self.notes(1, "c"))
            #expect(ledger.indexIsLevelWithLog)
            _ = try ledger.append(kind: "note", payloads: Self.notes(2, "d"), updatingIndex: false)
            logSize = ledger.entryCount
        }
        let index = try SiteIndex(path: network.central + "/index.sqlite")
        #expect(try index.appliedSize() == logSize - 2)
        let reopened = try network.openCentral()
        #expect(reopened.entryCount == logSize)
        #expect(reopened.indexIsLevelWithLog)
        #expect(try index.appliedSize() == logSize)
        #expect(try index.entryCount(kind: "note", below: logSize) == 8)
    }
}
