import Foundation
import GRDB
import LedgerCore
import LedgerIndex
import LedgerSite
import Testing
import TestSupport

/// A damaged `index.sqlite` — cut short, or a page overwritten with garbage — is rebuilt
/// from the log or refused with an error naming `reindex`; it never answers wrongly
/// (Specs/site-layout.md §9.7).
@Suite("A damaged derived-state database")
struct DamagedIndexTests {
    /// What a damaged database led to: right answers (rebuilt by the open that found it, or the
    /// damage was on a page no answer reads), found by `verify`
    /// (the open did not read the damaged page; `verify` names `reindex`), or refused by a
    /// read command naming `reindex`. `reindex` then rebuilds it in every case.
    enum Outcome: String { case answeredRightly, foundByVerify, refused }

    /// Writes `bytes` as the database of a copy of `site`, then checks what the read path, a
    /// writer's `verify` and `reindex` do there.
    static func check(_ bytes: [UInt8], site: String, expected: IndexedNetwork.Answers, label: String) throws -> Outcome {
        let path = site + "-damaged"
        try? FileManager.default.removeItem(atPath: path)
        defer { try? FileManager.default.removeItem(atPath: path) }
        try FileManager.default.copyItem(atPath: site, toPath: path)
        let index = SiteLayout(root: path).index
        SiteIndex.removeFiles(at: index)
        try Data(bytes).write(to: URL(fileURLWithPath: index))
        var outcome = Outcome.answeredRightly
        do {
            let answers = try IndexWorkload.answers(at: path)
            #expect(answers == expected, "\(label): a damaged database answered wrongly")
        } catch {
            #expect("\(error)".contains("careledger reindex"), "\(label): refused without naming `careledger reindex`: \(error)")
            outcome = .refused
        }
        do {
            let writer = try SiteAccess.openForWriting(at: path, wait: .seconds(5), logger: IndexWorkload.quiet)
            let faults = writer.verifyDerivedState()
            #expect(faults.allSatisfy { $0.what.contains("careledger reindex") }, "\(label): \(faults.map(\.what))")
            if !faults.isEmpty && outcome == .answeredRightly { outcome = .foundByVerify }
        }
        // `careledger reindex` (a snapshot's rebuild) always repairs it.
        try SiteAccess.openForReading(at: path, wait: .seconds(5), logger: IndexWorkload.quiet).rebuildDerivedStateIndex()
        #expect(try IndexWorkload.answers(at: path) == expected, "\(label): after reindex")
        let writer = try SiteAccess.openForWriting(at: path, wait: .seconds(5), logger: IndexWorkload.quiet)
        #expect(writer.verifyDerivedState().isEmpty, "\(label): after reindex: \(writer.verifyDerivedState().map(\.what))")
        return outcome
    }

    /// Checkpoints the database's WAL into its main file and closes it with SQLite's defaults
    /// (which delete the WAL).
    static func foldWAL(_ path: String) throws {
        let queue = try DatabaseQueue(path: path)
        _ = try queue.writeWithoutTransaction { try $0.checkpoint(.truncate) }
        try queue.close()
    }

    @Test("index.sqlite cut at every page boundary or with any page overwritten by garbage is rebuilt at open, or refused and flagged by verify naming reindex, never answered wrongly; reindex always repairs it")
    func damagedDatabaseNeverAnswersWrongly() async throws {
        try await BlockingWork.run {
            var generator = SeededGenerator(seed: 13)
            let network = try IndexedNetwork()
            defer { network.folder.remove() }
            try network.randomTraffic(steps: 30, generator: &generator)
            // The writer keeps its WAL (Specs/site-layout.md §9.9): fold it into the main file
            // and remove it, so that the bytes damaged below are the whole database.
            let index = SiteLayout(root: network.central).index
            try Self.foldWAL(index)
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: index)))
            let expected = try IndexWorkload.reindexedAnswers(of: network.central)
            let page = 4096
            try #require(bytes.count >= 4 * page, "the database is too small to damage page by page: \(bytes.count) bytes")
            var outcomes: [Outcome: Int] = [:]
            var cases = 0
            for cut in [0, 1, 100, 512] + Array(stride(from: page, to: bytes.count, by: page)) + [bytes.count - 1] {
                outcomes[try Self.check(Array(bytes.prefix(cut)), site: network.central, expected: expected, label: "cut to \(cut) bytes"), default: 0] += 1
                cases += 1
            }
            for pageStart in stride(from: 0, to: bytes.count, by: page) {
                var damaged = bytes
                for offset in pageStart..<min(pageStart + page, bytes.count) { damaged[offset] = UInt8(truncatingIfNeeded: generator.next()) }
                outcomes[try Self.check(damaged, site: network.central, expected: expected, label: "page at \(pageStart) garbage"), default: 0] += 1
                cases += 1
            }
            print("damaged derived-state database: \(cases) cases of \(bytes.count / page) pages; \(outcomes)")
            #expect(cases >= 8)
        }
    }
}
