import Foundation
import LedgerStorage
import StorageTestSupport
import TestSupport
import Testing

/// Every disk state a crash could leave behind during a recorded workload (issue 8, item 3).
///
/// A workload runs through a ``RecordingFileSystem``; its trace is then replayed to every
/// crash point, and at each point also with each operation that was not yet durable lost,
/// and each such write torn. Each state is written to a fresh folder and opened with the
/// real file system: recovery must keep every acknowledged batch, invent nothing, and give
/// the same answer when opened again.
@Suite("Crash-state replay of recorded workloads")
struct CrashStateReplayTests {
    typealias Record = (key: [UInt8], value: [UInt8])

    /// A recorded run: the batches in append order, when each began and when it was acknowledged.
    struct Recording {
        let name: String
        let seed: UInt64
        let events: [RecordingFileSystem.Event]
        let baseline: [String: [UInt8]]
        let baselineInodes: [Int: String]
        /// The batches, in ordinal order (those in the baseline first).
        let batches: [[Record]]
        /// The event count when each batch's `append` was called (-1 for baseline batches).
        let started: [Int]
        /// The event count when each batch's `append` returned (0 for baseline batches).
        let acknowledged: [Int]
    }

    static let options = smallOptions(block: 256, segment: 1024)

    /// Seeded batches of 1–5 records of 20–300 bytes, numbered from `first`.
    static func batches(count: Int, first: Int, generator: inout SeededGenerator) -> [[Record]] {
        var next = first
        return (0..<count).map { _ in
            let size = 1 + Int(generator.next() % 5)
            defer { next += size }
            return (next..<next + size).map { record($0, seed: 11, size: 20 + Int(generator.next() % 280)) }
        }
    }

    /// Appends `batches` through `log`, noting the trace position around each call.
    static func append(
        _ batches: [[Record]], to log: SegmentLog, recorder: RecordingFileSystem,
        started: inout [Int], acknowledged: inout [Int]
    ) throws {
        for batch in batches {
            started.append(recorder.count)
            try log.append(batch)
            acknowledged.append(recorder.count)
        }
    }

    /// Creates the data folder, appends batches past several seals (small segments), closes
    /// and reopens once, seals explicitly and starts one more segment.
    static func appendsAndSeals(seed: UInt64) throws -> Recording {
        let root = try ScratchFolder(prefix: "careledger-record")
        defer { root.remove() }
        var generator = SeededGenerator(seed: seed)
        let batches = batches(count: 26, first: 0, generator: &generator)
        let recorder = RecordingFileSystem(root: root.path)
        var options = options
        options.fileSystem = recorder
        var started: [Int] = []
        var acknowledged: [Int] = []
        var log = try SegmentLog(directory: root.path + "/data", options: options)
        try append(Array(batches[0..<12]), to: log, recorder: recorder, started: &started, acknowledged: &acknowledged)
        log.close()
        log = try SegmentLog(directory: root.path + "/data", options: options)
        try append(Array(batches[12..<25]), to: log, recorder: recorder, started: &started, acknowledged: &acknowledged)
        try log.sealActiveSegment()
        try append(Array(batches[25...]), to: log, recorder: recorder, started: &started, acknowledged: &acknowledged)
        log.close()
        return Recording(
            name: "appends and seals", seed: seed, events: recorder.events, baseline: recorder.baseline,
            baselineInodes: recorder.baselineFiles, batches: batches, started: started, acknowledged: acknowledged)
    }

    /// Starts from a store whose last batch is torn, so the trace begins with recovery
    /// (quarantine file, cut, sync), then appends past a seal.
    static func recoveryThenAppends(seed: UInt64) throws -> Recording {
        let root = try ScratchFolder(prefix: "careledger-record")
        defer { root.remove() }
        var generator = SeededGenerator(seed: seed)
        let before = batches(count: 4, first: 0, generator: &generator)
        let torn = batches(count: 1, first: before.joined().count, generator: &generator)[0]
        let setup = try SegmentLog(directory: root.path + "/data", options: smallOptions(block: 256, segment: 1 << 20))
        for batch in before { try setup.append(batch) }
        let segment = root.path + "/data/segment-0000000001.lz4"
        let goodSize = fileBytes(segment).count
        try setup.append(torn)
        setup.close()
        let full = fileBytes(segment)
        try writeFile(segment, Array(full[0..<(goodSize + (full.count - goodSize) / 2)]))

        let after = batches(count: 8, first: before.joined().count, generator: &generator)
        let recorder = RecordingFileSystem(root: root.path)
        var options = options
        options.fileSystem = recorder
        var started = [Int](repeating: -1, count: before.count)
        var acknowledged = [Int](repeating: 0, count: before.count)
        let log = try SegmentLog(directory: root.path + "/data", options: options)
        #expect(log.recoveryReports.count == 1, "the setup must leave a torn batch to recover")
        try append(after, to: log, recorder: recorder, started: &started, acknowledged: &acknowledged)
        log.close()
        return Recording(
            name: "recovery then appends", seed: seed, events: recorder.events, baseline: recorder.baseline,
            baselineInodes: recorder.baselineFiles, batches: before + after, started: started, acknowledged: acknowledged)
    }

    /// Every crash state of a recording (``CrashState/all(of:)``).
    static func crashStates(of recording: Recording) -> [CrashState] { CrashState.all(of: recording.events) }

    /// All records of a store, in ordinal order.
    static func contents(of log: SegmentLog) throws -> [Record] {
        var records: [Record] = []
        try log.scan { stored in
            records.append((Array(stored.key), Array(stored.value)))
            return true
        }
        return records
    }

    /// Opens one crash state and checks it; returns a description of what is wrong, if anything.
    static func check(_ state: CrashState, of recording: Recording) throws {
        let label = "\(recording.name) (seed \(recording.seed)): \(state)"
        let folder = try ScratchFolder(prefix: "careledger-crashstate")
        defer { folder.remove() }
        try state.materialise(
            recording.events, baseline: recording.baseline, baselineInodes: recording.baselineInodes, into: folder.path)
        let data = folder.path + "/data"
        let acknowledgedBatches = recording.acknowledged.filter { $0 <= state.crashPoint }.count
        let startedBatches = recording.started.filter { $0 < state.crashPoint }.count
        let firstOpen: [Record]
        do {
            let log = try SegmentLog(directory: data, options: options)
            defer { log.close() }
            firstOpen = try contents(of: log)
            let faults = try log.verify()
            #expect(faults.isEmpty, "\(label): verify after recovery: \(faults)")
        } catch {
            Issue.record("\(label): opening the crashed store failed: \(error)")
            return
        }
        // Whole batches only: every acknowledged one, at most the one in flight, nothing else.
        var kept = 0
        var ordinal = 0
        while kept < recording.batches.count, ordinal + recording.batches[kept].count <= firstOpen.count {
            ordinal += recording.batches[kept].count
            kept += 1
        }
        #expect(ordinal == firstOpen.count, "\(label): \(firstOpen.count) records is not a whole number of batches")
        #expect(kept >= acknowledgedBatches, "\(label): \(kept) batches survived, \(acknowledgedBatches) were acknowledged")
        #expect(kept <= startedBatches, "\(label): \(kept) batches, only \(startedBatches) were ever appended")
        let expected = Array(recording.batches.joined().prefix(firstOpen.count))
        for (position, (stored, wanted)) in zip(firstOpen, expected).enumerated()
        where stored.key != wanted.key || stored.value != wanted.value {
            Issue.record("\(label): record \(position) differs from what was appended")
            break
        }
        // Opening again finds nothing more to repair and serves the same records; the store still takes appends.
        let again = try SegmentLog(directory: data, options: options)
        defer { again.close() }
        #expect(again.recoveryReports.isEmpty, "\(label): second open cut again: \(again.recoveryReports)")
        let secondOpen = try contents(of: again)
        #expect(
            secondOpen.count == firstOpen.count && zip(secondOpen, firstOpen).allSatisfy { $0.key == $1.key && $0.value == $1.value },
            "\(label): the second open serves different records")
        let extra = record(9_999, seed: 3)
        try again.append([extra])
        #expect(again.recordCount == UInt64(firstOpen.count + 1), "\(label): append after recovery")
    }

    @Test("Every crash state of appends, seals, segment creation and recovery reopens with every acknowledged batch and nothing invented")
    func replayEveryCrashState() throws {
        let recordings = try [Self.appendsAndSeals(seed: 0xC0FFEE), Self.recoveryThenAppends(seed: 0xBEEF)]
        var total = 0
        var summary: [String] = []
        for recording in recordings {
            let seals = recording.events.filter { if case .rename = $0 { true } else { false } }.count
            #expect(seals >= 3, "\(recording.name): the workload must create several segments (\(seals) renames)")
            let states = Self.crashStates(of: recording)
            var dropped = 0
            var torn = 0
            for state in states {
                switch state.loss {
                case .none: break
                case .dropped: dropped += 1
                case .torn: torn += 1
                }
                try Self.check(state, of: recording)
            }
            total += states.count
            summary.append(
                "\(recording.name): \(states.count) (\(recording.events.count + 1) prefixes, \(dropped) with a lost operation, \(torn) with a torn write)")
        }
        print("crash-state replay: \(total) crash states tried; " + summary.joined(separator: "; "))
        #expect(total >= 300)
    }

    @Test("Every file creation and rename is followed by an fsync of its folder before the next acknowledgement")
    func creationsAndRenamesReachTheDisk() throws {
        for recording in try [Self.appendsAndSeals(seed: 7), Self.recoveryThenAppends(seed: 8)] {
            let events = recording.events
            let deadlines = recording.acknowledged.filter { $0 > 0 } + [events.count]
            for (position, event) in events.enumerated() {
                let folders: [String]
                switch event {
                case .create(let path, _): folders = [CrashState.folder(of: path)]
                case .createDirectory(let path): folders = [CrashState.folder(of: path)]
                case .rename(let from, let to): folders = [CrashState.folder(of: from), CrashState.folder(of: to)]
                default: continue
                }
                let deadline = deadlines.first { $0 > position } ?? events.count
                for folder in folders {
                    let synced = events[(position + 1)..<deadline].contains {
                        if case .syncDirectory(folder) = $0 { true } else { false }
                    }
                    #expect(synced, "\(recording.name): \(event) (event \(position)) is not followed by an fsync of its folder")
                }
            }
        }
    }
}
