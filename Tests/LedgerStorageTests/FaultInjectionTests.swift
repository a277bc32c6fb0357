import Foundation
import LedgerStorage
import StorageTestSupport
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Appends under injected I/O failures: clear errors, nothing acknowledged lost, nothing unacknowledged served.
@Suite("Fault injection through the file-system seam")
struct FaultInjectionTests {
    /// Reopens with the real file system and checks the log holds exactly `expected`, in order.
    private func expectExactly(_ expected: [(key: [UInt8], value: [UInt8])], in directory: String, label: String = "") throws {
        let log = try SegmentLog(directory: directory, options: smallOptions(segment: 1024))
        defer { log.close() }
        #expect(log.recordCount == UInt64(expected.count), "\(label)")
        var ordinal = 0
        try log.scan { stored in
            if ordinal < expected.count {
                #expect(Array(stored.key) == expected[ordinal].key && Array(stored.value) == expected[ordinal].value, "\(label) #\(ordinal)")
            }
            ordinal += 1
            return true
        }
        #expect(ordinal == expected.count, "\(label)")
        #expect(try log.verify().isEmpty, "\(label)")
    }

    @Test("ENOSPC on a batch write fails that append with no_space and changes nothing", arguments: [false, true])
    func noSpaceOnWrite(forever: Bool) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let faulty = FaultyFileSystem()
        let log = try SegmentLog(directory: directory.path, options: smallOptions(segment: 1 << 20, fileSystem: faulty))
        let acknowledged = (0..<10).map { record($0) }
        try log.append(acknowledged)
        let sizeBefore = fileBytes(directory.path + "/segment-0000000001.lz4")
        faulty.arm(.write, errno: ENOSPC, forever: forever)
        for attempt in 0..<3 {
            #expect(throws: StorageError.self) { try log.append((10..<20).map { record($0) }) }
            do {
                try log.append([record(99)])
                if forever { Issue.record("append \(attempt) succeeded while the disk is full") }
            } catch let error as StorageError {
                #expect(error.code == .noSpace && error.errno == ENOSPC && error.file != nil)
                #expect(forever)
            }
            if !forever { break }
        }
        #expect(log.recordCount == (forever ? 10 : 11))
        if forever { #expect(fileBytes(directory.path + "/segment-0000000001.lz4") == sizeBefore) }
        log.close()
        try expectExactly(forever ? acknowledged : acknowledged + [record(99)], in: directory.path)
    }

    @Test("EIO from fdatasync fails the append and the batch is cut back, not served after reopen")
    func syncFailureRollsBack() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let faulty = FaultyFileSystem()
        let log = try SegmentLog(directory: directory.path, options: smallOptions(segment: 1 << 20, fileSystem: faulty))
        try log.append([record(0), record(1)])
        faulty.arm(.syncData, errno: EIO)
        #expect { try log.append([record(2), record(3)]) } throws: { ($0 as? StorageError)?.code == .io }
        #expect(log.recordCount == 2)
        #expect(throws: StorageError.self) { try log.read(ordinal: 2) }
        try log.append([record(4)])
        log.close()
        try expectExactly([record(0), record(1), record(4)], in: directory.path)
    }

    @Test("Short writes are completed by the write loop")
    func shortWritesComplete() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let faulty = FaultyFileSystem()
        faulty.shortWrites = true
        let log = try SegmentLog(directory: directory.path, options: smallOptions(segment: 1024, fileSystem: faulty))
        let records = (0..<40).map { record($0) }
        for batch in stride(from: 0, to: 40, by: 8) { try log.append(Array(records[batch..<batch + 8])) }
        log.close()
        try expectExactly(records, in: directory.path)
    }

    @Test("A torn batch whose rollback also fails poisons the writer; reopening cuts and quarantines it")
    func failedRollbackPoisonsAndRecovers() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let faulty = FaultyFileSystem()
        let log = try SegmentLog(directory: directory.path, options: smallOptions(segment: 1 << 20, fileSystem: faulty))
        let acknowledged = (0..<6).map { record($0) }
        try log.append(acknowledged)
        faulty.shortWrites = true
        faulty.arm(.write, failAt: 3, errno: EIO)
        faulty.arm(.truncate, errno: EIO, forever: true)
        // Several blocks: the first short writes put whole blocks of this batch on disk.
        #expect(throws: StorageError.self) { try log.append((6..<30).map { record($0, size: 150) }) }
        #expect { try log.append([record(50)]) } throws: { ($0 as? StorageError)?.code == .writerPoisoned }
        log.close()
        let reopened = try SegmentLog(directory: directory.path, options: smallOptions(segment: 1 << 20))
        #expect(reopened.recoveryReports.count == 1)
        if let report = reopened.recoveryReports.first {
            #expect(report.reason.contains("incomplete batch"), "\(report.reason)")
            #expect(fileBytes(report.quarantineFile).count == Int(report.cutBytes))
        }
        reopened.close()
        try expectExactly(acknowledged, in: directory.path)
    }

    @Test("Failing call N = 1, 2, … of each workload, once and forever, with EIO, ENOSPC, short writes and fsync failures never loses or invents a record")
    func failEveryCallInTurn() throws {
        var total = 0
        var lines: [String] = []
        for forever in [false, true] {
            for kind in FaultyFileSystem.FaultKind.allCases {
                var perWorkload: [String] = []
                var cases = 0
                for workload in FaultWorkload.all {
                    let tried = try FaultSweep(workload: workload, kind: kind, forever: forever).run()
                    perWorkload.append("\(workload.name) \(tried)")
                    cases += tried
                }
                lines.append("  \(forever ? "fail-forever" : "fail-once") \(kind.rawValue): \(cases) cases (\(perWorkload.joined(separator: ", ")))")
                total += cases
            }
        }
        print("fault injection: \(total) cases tried\n" + lines.joined(separator: "\n"))
        #expect(total >= 300)
    }

    @Test("A durable file write that fails at any step leaves the old content in place")
    func durableWriteIsAtomic() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/state.json"
        try DurableFile.write(Array("old".utf8), to: path)
        for operation in [FaultyFileSystem.Operation.write, .sync, .rename, .open] {
            let faulty = FaultyFileSystem()
            faulty.arm(operation, errno: EIO)
            #expect(throws: StorageError.self, "\(operation)") {
                try DurableFile.write(Array("new".utf8), to: path, fileSystem: faulty)
            }
            #expect(fileBytes(path) == Array("old".utf8), "\(operation)")
        }
        try DurableFile.write(Array("new".utf8), to: path)
        #expect(fileBytes(path) == Array("new".utf8))
    }
}

/// A storage workload run under a fault plan, keeping score of what it was told is durable.
struct FaultWorkload: Sendable {
    typealias Record = (key: [UInt8], value: [UInt8])

    let name: String
    /// Options for the workload's store (the fault-injecting file system is filled in).
    let options: @Sendable (_ fileSystem: any FileSystem) -> SegmentLogOptions
    /// Prepares the data folder with the real file system; returns the batches already acknowledged there.
    let prepare: @Sendable (_ directory: String) throws -> [[Record]]
    /// Runs the workload against `directory` through `fileSystem`, reporting each call's outcome to `score`.
    let run: @Sendable (_ directory: String, _ fileSystem: FaultyFileSystem, _ score: inout FaultScore) -> Void

    /// Seeded batches of 1–4 records, numbered from `first` (seed printed by the sweep on failure).
    static func batches(_ count: Int, first: Int, seed: UInt64) -> [[Record]] {
        var generator = SeededGenerator(seed: seed)
        var next = first
        return (0..<count).map { _ in
            let size = 1 + Int(generator.next() % 4)
            defer { next += size }
            return (next..<next + size).map { record($0, seed: seed, size: 20 + Int(generator.next() % 200)) }
        }
    }

    static let seed: UInt64 = 0xFA17

    /// Batches into a store that never seals (the append path alone).
    static let append = FaultWorkload(
        name: "append", options: { smallOptions(segment: 1 << 20, fileSystem: $0) }, prepare: { _ in [] },
        run: { directory, fileSystem, score in
            guard let log = score.open(directory, smallOptions(segment: 1 << 20, fileSystem: fileSystem)) else { return }
            for batch in batches(6, first: 0, seed: seed) { score.append(batch, to: log) }
            log.close()
        })

    /// Batches into 1 KiB segments: seals (index and tail writes) and segment creations in between.
    static let seal = FaultWorkload(
        name: "seal", options: { smallOptions(segment: 1024, fileSystem: $0) }, prepare: { _ in [] },
        run: { directory, fileSystem, score in
            guard let log = score.open(directory, smallOptions(segment: 1024, fileSystem: fileSystem)) else { return }
            for batch in batches(9, first: 0, seed: seed + 1) { score.append(batch, to: log) }
            log.close()
        })

    /// Explicit seals (index writes), then a reopen and key lookups that read the persisted index.
    static let indexWrite = FaultWorkload(
        name: "index write", options: { smallOptions(segment: 1 << 20, fileSystem: $0) }, prepare: { _ in [] },
        run: { directory, fileSystem, score in
            let options = smallOptions(segment: 1 << 20, fileSystem: fileSystem)
            let all = batches(5, first: 0, seed: seed + 2)
            guard let log = score.open(directory, options) else { return }
            for batch in all[0..<2] { score.append(batch, to: log) }
            score.call { try log.sealActiveSegment() }
            for batch in all[2..<4] { score.append(batch, to: log) }
            score.call { try log.sealActiveSegment() }
            log.close()
            guard let reopened = score.open(directory, options) else { return }
            for batch in all[0..<4] {
                score.call { _ = try reopened.location(forKey: batch[0].key) }
            }
            score.append(all[4], to: reopened)
            reopened.close()
        })

    /// A store with a sealed segment and a torn last batch, opened (recovered) under faults, then appended to.
    static let recovery = FaultWorkload(
        name: "recovery", options: { smallOptions(segment: 1024, fileSystem: $0) },
        prepare: { directory in
            let log = try SegmentLog(directory: directory, options: smallOptions(segment: 1024))
            let acknowledged = batches(8, first: 0, seed: seed + 3)
            for batch in acknowledged { try log.append(batch) }
            let segment = directory + "/" + (listing(directory).filter { $0.hasSuffix(".lz4") }.last ?? "segment-0000000001.lz4")
            let goodSize = fileBytes(segment).count
            try log.append(batches(1, first: 1000, seed: seed + 4)[0])
            log.close()
            let full = fileBytes(segment)
            try writeFile(segment, Array(full[0..<(goodSize + (full.count - goodSize) / 2)]))
            return acknowledged
        },
        run: { directory, fileSystem, score in
            guard let log = score.open(directory, smallOptions(segment: 1024, fileSystem: fileSystem)) else { return }
            for batch in batches(3, first: 2000, seed: seed + 5) { score.append(batch, to: log) }
            log.close()
        })

    static let all = [append, seal, indexWrite, recovery]
}

/// What a workload was told: which batches are durable, which failed, and how clearly.
struct FaultScore {
    typealias Record = FaultWorkload.Record

    /// A batch the store must hold (`acknowledged`), or may hold whole or not at all
    /// (`indeterminate`: its append failed and so did the rollback, poisoning the writer).
    enum Expected {
        case acknowledged([Record])
        case indeterminate([Record])
    }

    let root: String
    let errno: Int32
    let label: String
    var expected: [Expected] = []
    var failures = 0

    /// Checks that a failure is a clear storage error: a failure code, the file at fault
    /// inside the test's folder, the errno injected and a message.
    mutating func failed(_ error: any Error, doing what: String) {
        failures += 1
        guard let error = error as? StorageError else {
            Issue.record("\(label): \(what) threw \(error), not a StorageError")
            return
        }
        #expect([.io, .noSpace, .writerPoisoned].contains(error.code), "\(label): \(what): \(error)")
        #expect(error.file?.hasPrefix(root) == true, "\(label): \(what): the error names no file of the store: \(error)")
        #expect(!error.message.isEmpty, "\(label): \(what)")
        if error.code != .writerPoisoned {
            #expect(error.errno == errno, "\(label): \(what): expected errno \(errno): \(error)")
        }
    }

    /// Opens the store, or scores the failure and returns nil.
    mutating func open(_ directory: String, _ options: SegmentLogOptions) -> SegmentLog? {
        do {
            return try SegmentLog(directory: directory, options: options)
        } catch {
            failed(error, doing: "open")
            return nil
        }
    }

    /// Runs a call that acknowledges nothing (a seal, a lookup), scoring a failure.
    mutating func call(_ body: () throws -> Void) {
        do { try body() } catch { failed(error, doing: "call") }
    }

    /// Appends a batch and scores it: acknowledged, rolled back, or indeterminate.
    mutating func append(_ batch: [Record], to log: SegmentLog) {
        do {
            try log.append(batch)
            expected.append(.acknowledged(batch))
        } catch {
            failed(error, doing: "append")
            // An empty append does no I/O and fails only when the writer is poisoned.
            let poisoned = (try? log.append([])) == nil
            if poisoned, (error as? StorageError)?.code != .writerPoisoned { expected.append(.indeterminate(batch)) }
        }
    }

    /// Reopens with the real file system and checks verify and the records against what was acknowledged.
    func check(_ directory: String, options: SegmentLogOptions) throws {
        let log: SegmentLog
        do {
            log = try SegmentLog(directory: directory, options: options)
        } catch {
            Issue.record("\(label): reopening with the real file system failed: \(error)")
            return
        }
        defer { log.close() }
        let faults = try log.verify()
        #expect(faults.isEmpty, "\(label): verify: \(faults)")
        var stored: [Record] = []
        try log.scan { record in
            stored.append((Array(record.key), Array(record.value)))
            return true
        }
        func matches(_ batch: [Record], at position: Int) -> Bool {
            position + batch.count <= stored.count
                && zip(stored[position..<position + batch.count], batch).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        }
        var position = 0
        for item in expected {
            switch item {
            case .acknowledged(let batch):
                guard matches(batch, at: position) else {
                    Issue.record("\(label): an acknowledged batch is missing or altered at record \(position)")
                    return
                }
                position += batch.count
            case .indeterminate(let batch):
                if matches(batch, at: position) { position += batch.count }
            }
        }
        #expect(position == stored.count, "\(label): \(stored.count - position) records after the last acknowledged batch were never acknowledged")
    }
}

/// Fails call N = 1, 2, … of a workload until it runs without reaching N (issue 8, item 2).
struct FaultSweep {
    let workload: FaultWorkload
    let kind: FaultyFileSystem.FaultKind
    let forever: Bool

    /// Runs one case; returns whether the fault struck.
    private func runCase(strikeAt call: Int) throws -> (struck: Bool, calls: Int) {
        let folder = try ScratchFolder(prefix: "careledger-fault")
        defer { folder.remove() }
        let directory = folder.path + "/data"
        let label = "\(workload.name), \(forever ? "fail-forever" : "fail-once") \(kind.rawValue) at call \(call) (seed \(FaultWorkload.seed))"
        let faulty = FaultyFileSystem()
        let before = try workload.prepare(directory)
        var score = FaultScore(root: folder.path, errno: kind.errno, label: label)
        score.expected = before.map { .acknowledged($0) }
        faulty.inject(kind, at: call, forever: forever)
        workload.run(directory, faulty, &score)
        let struck = faulty.struck
        if !struck || (!forever && kind == .shortWrite) {
            #expect(score.failures == 0, "\(label): the workload failed though no failing fault struck")
        }
        if !forever {
            #expect(score.failures <= 1, "\(label): a fail-once fault failed \(score.failures) calls")
            #expect(!score.expected.contains { if case .indeterminate = $0 { true } else { false } }, "\(label): a fail-once fault poisoned the writer")
        }
        // A failed open or read of a sealed segment's index is answered by a scan of its blocks
        // (SegmentLog.blocks(of:)), so the lookup succeeds; any other struck call must fail a call.
        // The holder record written into LOCK is advice, best effort (SegmentLog+Lock.swift).
        let answeredByFallback = [FaultyFileSystem.Operation.read, .open].contains(faulty.struckOperation)
            || faulty.struckPath?.hasSuffix("/LOCK") == true
        if struck, kind != .shortWrite || forever, !answeredByFallback {
            #expect(score.failures >= 1, "\(label): the fault struck \(faulty.struckOperation.map { "\($0)" } ?? "?") but no call reported it")
        }
        try score.check(directory, options: workload.options(POSIXFileSystem()))
        return (struck, faulty.plannedCalls)
    }

    /// Sweeps N from 1 until the fault no longer strikes; returns how many cases ran.
    func run() throws -> Int {
        // A fault-free run counts the calls the fault could strike: the sweep must end right after them.
        let dryRun = try runCase(strikeAt: .max)
        #expect(!dryRun.struck)
        var call = 1
        while true {
            let outcome = try runCase(strikeAt: call)
            if !outcome.struck { break }
            guard call <= dryRun.calls else {
                Issue.record("\(workload.name), \(kind.rawValue): still striking at call \(call), past the \(dryRun.calls) calls of a fault-free run")
                break
            }
            call += 1
        }
        #expect(call == dryRun.calls + 1, "\(workload.name), \(kind.rawValue): the sweep ended at call \(call), a fault-free run makes \(dryRun.calls)")
        return call
    }
}
