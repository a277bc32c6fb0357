import LedgerCore
@testable import LedgerIndex
import Testing
import TestSupport

/// The mark a writer's own commits left (`markCommittedHere`, Specs/fhir-api.md §4.3): what the
/// group commit reads instead of the database, so it must equal the database's mark after this
/// process's apply and never exceed it.
@Suite("The mark this process committed")
struct CommittedMarkTests {
    /// `count` undecodable records from `first` on (they still move the mark).
    private func records(_ first: Int, _ count: Int) -> [IndexedEntry] {
        (first..<first + count).map { IndexedEntry(ordinal: $0, entry: nil) }
    }

    @Test("is unknown before an apply, the database's mark after one, and unknown again after a reset")
    func followsOwnApplies() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let index = try SiteIndex(path: folder.path + "/index.sqlite")
        try index.reset()
        #expect(index.markCommittedHere == nil)
        try index.apply(records(0, 3), voided: [])
        #expect(index.markCommittedHere == 3)
        #expect(try index.appliedSize() == 3)
        // A batch after a gap changes nothing; the mark stays the database's.
        try index.apply(records(7, 2), voided: [])
        #expect(index.markCommittedHere == 3)
        #expect(try index.appliedSize() == 3)
        try index.reset()
        #expect(index.markCommittedHere == nil)
        #expect(try index.appliedSize() == 0)
    }

    @Test("stays a lower bound when another connection applies past it, and catches up at its next apply")
    func isALowerBoundWhenAnotherWriterApplies() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let path = folder.path + "/index.sqlite"
        let index = try SiteIndex(path: path)
        try index.reset()
        try index.apply(records(0, 4), voided: [])
        let other = try SiteIndex(path: path)
        try other.apply(records(2, 5), voided: [])  // records 2 and 3 are skipped: applied already
        #expect(other.markCommittedHere == 7)
        #expect(index.markCommittedHere == 4)
        #expect(try index.appliedSize() == 7)
        try index.apply(records(4, 5), voided: [])  // 4 to 6 skipped, 7 and 8 applied
        #expect(index.markCommittedHere == 9)
        #expect(try other.appliedSize() == 9)
    }
}
