import Foundation
import LedgerStorage
import TestSupport
import Testing

/// Issue 8's bit-flip sweep: a sealed segment of about 64 KiB, one bit flipped at a time;
/// every flip must be detected (open fails, a fault or recovery is reported, a read throws,
/// or `verify` names a fault) and no flip may ever be served as data (a "silent read").
///
/// The default run keeps the debug test pass short: one bit in every third byte (the bit
/// position rotating, so all eight are covered across the file) on two workers.
/// `HARDENING_SWEEP=byte` flips one bit in every byte (about 3 minutes in debug on a busy
/// 2-core machine: 68,741 flips, all detected, none served); `HARDENING_SWEEP=full` flips
/// all eight bits of every byte.
@Suite("Sealed segment bit-flip sweep")
struct SegmentBitFlipSweepTests {
    /// What one flip did.
    enum Outcome: Equatable { case detected, undetected, silentRead(String) }

    /// Builds the sample: segment 1 sealed (~64 KiB of incompressible records in 4 KiB
    /// blocks), segment 2 active with one record, so the sealed one is never "the tail".
    static func makeSample(in folder: String, seed: UInt64) throws -> [(key: [UInt8], value: [UInt8])] {
        var rng = SeededGenerator(seed: seed)
        var options = SegmentLogOptions()
        options.blockSize = 4 << 10
        let log = try SegmentLog(directory: folder, options: options)
        defer { log.close() }
        var records: [(key: [UInt8], value: [UInt8])] = []
        var batch: [(key: [UInt8], value: [UInt8])] = []
        while records.count * 432 < 63 << 10 {
            let record = (key: rng.bytes(32), value: rng.bytes(400))
            records.append(record)
            batch.append(record)
            if batch.count == 16 { _ = try log.append(batch); batch = [] }
        }
        if !batch.isEmpty { _ = try log.append(batch) }
        try log.sealActiveSegment()
        let last = (key: rng.bytes(32), value: Array("after the seal".utf8))
        _ = try log.append([last])
        return records + [last]
    }

    /// Opens the damaged folder and reads everything every way the ledger does.
    static func probe(_ folder: String, expected: [(key: [UInt8], value: [UInt8])]) -> Outcome {
        var options = SegmentLogOptions()
        options.blockSize = 4 << 10
        options.lockTimeout = .zero
        guard let log = try? SegmentLog(directory: folder, options: options) else { return .detected }
        defer { log.close() }
        var detected = !log.faultsFoundOnOpen.isEmpty || !log.recoveryReports.isEmpty
        var served = 0
        var silent: String?
        do {
            try log.scan { record in
                let ordinal = Int(record.ordinal)
                if ordinal >= expected.count || Array(record.key) != expected[ordinal].key || Array(record.value) != expected[ordinal].value {
                    silent = "scan served a wrong record at ordinal \(ordinal)"
                }
                served += 1
                return true
            }
        } catch { detected = true }
        for ordinal in stride(from: 0, to: expected.count, by: 7) {
            guard let record = try? log.read(ordinal: UInt64(ordinal)) else { detected = true; continue }
            if Array(record.key) != expected[ordinal].key || Array(record.value) != expected[ordinal].value {
                silent = "read(ordinal:) served a wrong record at ordinal \(ordinal)"
            }
        }
        if let faults = try? log.verify(), !faults.isEmpty { detected = true }
        if let silent { return .silentRead(silent) }
        if served < expected.count && !detected { return .silentRead("\(expected.count - served) records vanished without a fault") }
        return detected ? .detected : .undetected
    }

    @Test("every flipped bit of a sealed 64 KiB segment is detected and never served as data")
    func sweep() throws {
        let root = try TemporaryDirectory(prefix: "hardening-bitflip")
        defer { root.remove() }
        let pristine = root.path + "/pristine"
        let expected = try Self.makeSample(in: pristine, seed: 0xB17F_11B5)
        let segmentName = "segment-0000000001.lz4"
        let original = try #require(FileManager.default.contents(atPath: pristine + "/" + segmentName))
        let size = original.count
        let mode = ProcessInfo.processInfo.environment["HARDENING_SWEEP"] ?? "sample"
        let full = mode == "full"
        let step = mode == "byte" || full ? 1 : 3
        let flips: [(offset: Int, bit: UInt8)] = Swift.stride(from: 0, to: size, by: step).flatMap { offset in
            full ? (0..<8).map { (offset, UInt8(1) << UInt8($0)) } : [(offset, UInt8(1) << UInt8((offset / step) % 8))]
        }
        let workers = 2
        let results = ResultBox(count: flips.count)
        for worker in 0..<workers { try copyFolder(pristine, to: root.path + "/w\(worker)") }
        let started = Date()
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            let folder = root.path + "/w\(worker)"
            let path = folder + "/" + segmentName
            guard let handle = FileHandle(forUpdatingAtPath: path) else { return }
            defer { try? handle.close() }
            for index in stride(from: worker, to: flips.count, by: workers) {
                let flip = flips[index]
                var byte = original[flip.offset] ^ flip.bit
                try? handle.seek(toOffset: UInt64(flip.offset))
                handle.write(Data(bytes: &byte, count: 1))
                results.set(index, Self.probe(folder, expected: expected))
                byte = original[flip.offset]
                try? handle.seek(toOffset: UInt64(flip.offset))
                handle.write(Data(bytes: &byte, count: 1))
                // Opening must never rewrite a sealed segment or leave new files behind.
                if FileManager.default.contents(atPath: path) != original {
                    results.note("flip at \(flip.offset) changed the sealed segment on open")
                    try? original.write(to: URL(fileURLWithPath: path))
                }
            }
        }
        let outcomes = results.values
        let undetected = outcomes.indices.filter { outcomes[$0] == .undetected }
        let silent = outcomes.indices.compactMap { i -> String? in
            if case .silentRead(let why) = outcomes[i] { return "offset \(flips[i].offset) bit \(flips[i].bit): \(why)" } else { return nil }
        }
        print("bit-flip sweep: \(flips.count) flips over a \(size)-byte sealed segment (mode \(mode): \(full ? "all 8 bits of every byte" : "1 bit in every \(step == 1 ? "" : "third ")byte")), "
              + "\(outcomes.filter { $0 == .detected }.count) detected, \(undetected.count) undetected, \(silent.count) silent reads, "
              + "\(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        #expect(size >= 60 << 10, "the sample should be about 64 KiB, is \(size)")
        #expect(outcomes.count == flips.count)
        #expect(silent.isEmpty, "silent reads: \(silent.prefix(10))")
        #expect(undetected.isEmpty, "undetected flips at offsets \(undetected.prefix(20).map { flips[$0].offset })")
        #expect(results.notes.isEmpty, "\(results.notes.prefix(5))")
    }
}

/// Per-flip outcomes written by the sweep's workers.
final class ResultBox: @unchecked Sendable {  // every access goes through `lock`.
    private let lock = NSLock()
    private var storage: [SegmentBitFlipSweepTests.Outcome?]
    private var messages: [String] = []
    init(count: Int) { storage = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ outcome: SegmentBitFlipSweepTests.Outcome) { lock.withLock { storage[index] = outcome } }
    func note(_ message: String) { lock.withLock { messages.append(message) } }
    var values: [SegmentBitFlipSweepTests.Outcome] { lock.withLock { storage.compactMap { $0 } } }
    var notes: [String] { lock.withLock { messages } }
}
