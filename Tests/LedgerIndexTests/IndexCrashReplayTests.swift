import Foundation
import LedgerCore
import LedgerIndex
import LedgerSite
import StorageTestSupport
import Synchronization
import Testing
import TestSupport

/// The crash-state replay of the site's files, with the derived-state database added
/// (Specs/site-layout.md §9.7).
///
/// SQLite transactions are atomic, so after a crash the database is at one of its committed
/// transactions. The workload is recorded through the file seam (the log, heads, Merkle
/// store, … as a trace) and the database's files are captured after each of its
/// transactions, with the trace position it ended at. Every crash state of the trace is
/// then paired with every database state committed before its crash point, and the site
/// opened there must answer as a fresh reindex of the same log, with a database that agrees
/// with the log. A database state is never ahead of the log a crash can leave: the open
/// finds its mark and its last entry in the log and never has to rebuild it.
@Suite("Crash-state replay of the derived-state database")
struct IndexCrashReplayTests {
    /// The database's files after one of its transactions, and where the trace was then.
    struct IndexState {
        let at: Int
        let files: [String: [UInt8]]
        let applied: Int
    }

    /// Captures the database after every call that may have committed a transaction.
    final class Capture: Sendable {
        let states = Mutex<[IndexState]>([])
        let recorder: RecordingFileSystem
        init(recorder: RecordingFileSystem) { self.recorder = recorder }

        var opener: DerivedStateIndexOpener {
            { [self] layout in CapturingIndex(real: try SiteIndex.opener(layout), path: layout.index, capture: self) }
        }

        func take(_ path: String, applied: Int) {
            var files: [String: [UInt8]] = [:]
            for suffix in ["", "-wal"] {
                if let data = FileManager.default.contents(atPath: path + suffix) { files["index.sqlite" + suffix] = [UInt8](data) }
            }
            let at = recorder.count
            states.withLock { $0.append(IndexState(at: at, files: files, applied: applied)) }
        }
    }

    /// The real database, captured after each write.
    final class CapturingIndex: DerivedStateIndex {
        let real: any DerivedStateIndex
        let path: String
        let capture: Capture
        init(real: any DerivedStateIndex, path: String, capture: Capture) { self.real = real; self.path = path; self.capture = capture }

        func state() throws -> DerivedState? { try real.state() }
        func appliedSize() throws -> Int { try real.appliedSize() }
        func entryIDs(author: Hash32, sequence: UInt64) throws -> [Hash32] { try real.entryIDs(author: author, sequence: sequence) }
        func reset() throws {
            try real.reset()
            capture.take(path, applied: 0)
        }
        func apply(_ entries: [IndexedEntry], voided: Set<Hash32>) throws {
            try real.apply(entries, voided: voided)
            capture.take(path, applied: try real.appliedSize())
        }
    }

    /// A recording: the trace, and the database states captured along it.
    struct Recording {
        let recorder: RecordingFileSystem
        let capture: Capture
        let central: String

        /// Starts recording under `root` (holding a copy of the prepared central site); the
        /// database as it is there is the first state.
        init(root: String) throws {
            recorder = RecordingFileSystem(root: root)
            capture = Capture(recorder: recorder)
            central = root + "/central"
            let baselineIndex = recorder.baseline.filter { $0.key.hasPrefix("central/index.sqlite") && !$0.key.hasSuffix("-shm") }
            let applied = try SiteIndex(path: central + "/index.sqlite").appliedSize()
            capture.states.withLock {
                $0.append(IndexState(at: 0, files: Dictionary(uniqueKeysWithValues: baselineIndex.map { (String($0.key.dropFirst("central/".count)), $0.value) }),
                                     applied: applied))
            }
        }
    }

    /// A fresh recording folder holding a copy of the workload's central site.
    static func recordingFolder(_ workload: IndexWorkload, _ name: String) throws -> String {
        let root = workload.folder.path + "/" + name
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: false)
        try workload.copyCentral(to: root + "/central")
        return root
    }

    @Test("Every crash state of appends, a consent import, an ingest, an admission and a recorded check, paired with every database state committed before it, opens without rebuilding the database and answers as a fresh reindex")
    func everyCrashStateWithEveryEarlierDatabaseState() async throws {
        try await BlockingWork.run {
            let workload = try IndexWorkload()
            defer { workload.folder.remove() }
            let recording = try Recording(root: try Self.recordingFolder(workload, "record"))
            IndexWorkload.run(workload.steps, at: recording.central, fileSystem: recording.recorder, opener: recording.capture.opener) { step, error in
                Issue.record("the recorded workload failed at \(step): \(error)")
            }
            let (states, pairs) = try Self.replay(recording, workload, name: "workload")
            #expect(pairs >= 200)
            #expect(states >= 8)
        }
    }

    @Test("A writer killed after writing its batch but before its fdatasync returned, then reopened with the database: no crash state after the reopen leaves the database ahead of the log")
    func aReopenAppliesOnlyDurableRecords() async throws {
        try await BlockingWork.run {
            let workload = try IndexWorkload()
            defer { workload.folder.remove() }
            let recording = try Recording(root: try Self.recordingFolder(workload, "record"))
            do {
                // The killed writer: its bytes reach the page cache, none of its syncs happen, and
                // it never reaches its database update (opened without one).
                let killed = try SiteLedger.open(at: recording.central, logger: IndexWorkload.quiet, fileSystem: UnsyncedFileSystem(base: recording.recorder))
                _ = try killed.append(kind: "note", payloads: (0..<3).map { Array("{\"unsynced\":\($0)}".utf8) })
            }
            // The next process reads those records and applies them to the database.
            _ = try SiteLedger.open(at: recording.central, logger: IndexWorkload.quiet, lockTimeout: .seconds(5), fileSystem: recording.recorder,
                                    derivedState: recording.capture.opener)
            let (states, pairs) = try Self.replay(recording, workload, name: "killed writer")
            #expect(states >= 2)
            #expect(pairs >= 10)
        }
    }

    /// Pairs every distinct crash state of `recording` with every database state committed
    /// before its crash point and checks each pair; returns the database states and pairs.
    static func replay(_ recording: Recording, _ workload: IndexWorkload, name: String) throws -> (states: Int, pairs: Int) {
        let recorder = recording.recorder
        let events = recorder.events
        let indexStates = recording.capture.states.withLock { $0 }
        // A crash anywhere (no loss), and every loss at the instants right after a database commit.
        let commitPoints = Set(indexStates.map(\.at))
        let crashStates = CrashState.all(of: events).filter { $0.loss == .none || commitPoints.contains($0.crashPoint) }
        // Crash states that leave the same log, quarantine and heads are one state for the
        // database (the Merkle store and peer files, which they may differ in, are the site
        // crash replay's business: SiteCrashReplayTests).
        var seen: Set<[String: [UInt8]]> = []
        let distinct = crashStates.filter { state in
            seen.insert(state.files(events, baseline: recorder.baseline, baselineInodes: recorder.baselineFiles).files.filter {
                $0.key.hasPrefix("central/log/") || $0.key.hasPrefix("central/quarantine/") || $0.key == "central/heads.log"
            }).inserted
        }
        var pairs = 0
        for state in distinct {
            let folder = workload.folder.path + "/crash"
            try? FileManager.default.removeItem(atPath: folder)
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            try state.materialise(events, baseline: recorder.baseline, baselineInodes: recorder.baselineFiles, into: folder)
            let site = folder + "/central"
            for secret in [SiteLayout(root: site).keyFile, SiteLayout(root: site).genesis] where FileManager.default.fileExists(atPath: secret) {
                try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: secret)
            }
            SiteIndex.removeFiles(at: SiteLayout(root: site).index)
            // What a fresh reindex answers, and the database it builds (as a writer, up to the whole log).
            let fresh = folder + "/fresh"
            try FileManager.default.copyItem(atPath: site, toPath: fresh)
            let expected = try IndexWorkload.answers(at: fresh)
            let size = try SiteLedger.open(at: fresh, logger: IndexWorkload.quiet, derivedState: SiteIndex.opener).entryCount
            let reindexed = try SiteIndex(path: SiteLayout(root: fresh).index)
            for index in indexStates where index.at <= state.crashPoint {
                pairs += 1
                let label = "\(name): \(state), database with \(index.applied) records (committed at event \(index.at))"
                try Self.check(site: site, index: index, expected: expected, reindexed: reindexed, size: size, label: label)
            }
        }
        print("derived-state crash replay, \(name): \(crashStates.count) crash states (\(distinct.count) distinct) of \(events.count) events, "
              + "\(indexStates.count) database states (event, records): \(indexStates.map { "(\($0.at), \($0.applied))" }.joined(separator: " ")); \(pairs) pairs")
        return (indexStates.count, pairs)
    }

    /// Opens a copy of the crashed `site` with `index` as its database: as a reader first
    /// (answers), then as a writer (no rebuild), and compares the database it leaves with
    /// `reindexed` (built from the same log) table by table.
    static func check(site: String, index: IndexState, expected: IndexedNetwork.Answers, reindexed: SiteIndex, size: Int, label: String) throws {
        let path = site + "-paired"
        try? FileManager.default.removeItem(atPath: path)
        defer { try? FileManager.default.removeItem(atPath: path) }
        try FileManager.default.copyItem(atPath: site, toPath: path)
        for (name, bytes) in index.files { try Data(bytes).write(to: URL(fileURLWithPath: path + "/" + name)) }
        let answers = try IndexWorkload.answers(at: path)
        #expect(answers == expected, "\(label): the answers differ from a fresh reindex")
        let writer = try SiteLedger.open(at: path, logger: IndexWorkload.quiet, derivedState: SiteIndex.opener)
        #expect(!writer.recoveryNotes.contains { $0.contains("derived-state database did not match") },
                "\(label): the database was ahead of the log or named another entry: \(writer.recoveryNotes)")
        #expect(writer.entryCount == size, "\(label)")
        let disagreements = try SiteIndex(path: SiteLayout(root: path).index).disagreements(with: reindexed, at: size)
        #expect(disagreements == [], "\(label): \(disagreements.map { $0.map(\.what) } ?? ["the database is not at the log's size"])")
    }
}
