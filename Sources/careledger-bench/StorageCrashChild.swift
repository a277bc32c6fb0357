import ArgumentParser
import Foundation
import LedgerStorage

/// `careledger-bench storage-crash-child --dir D`: appends batches until killed (hidden; for crash tests).
///
/// After each acknowledged batch it prints `ack BATCH FIRST_ORDINAL COUNT` and flushes, so a
/// test that `kill -9`s it knows exactly which batches the log promised to keep. Records are
/// deterministic (see ``StorageCrashRecords``) so the test can check every byte after reopening.
struct StorageCrashChildCommand: ParsableCommand {
    static let configuration = CommandConfiguration.hiddenChild(
        "storage-crash-child", abstract: "Append deterministic batches to a segment log until killed (for crash tests).")

    @Option(help: "The data folder.")
    var dir: String

    @Option(help: "Records per batch.")
    var batch: Int = 40

    @Option(help: "Seal segments at this many bytes (small, so seals happen during the test).")
    var segmentBytes: UInt64 = 64 << 10

    @Option(help: "Stop after this many batches (0: never).")
    var batches: Int = 0

    func run() throws {
        var options = SegmentLogOptions()
        options.segmentSizeLimit = segmentBytes
        options.blockSize = 4096
        let log = try SegmentLog(directory: dir, options: options)
        var number = 0
        while batches == 0 || number < batches {
            let first = log.recordCount
            let records = (0..<batch).map { StorageCrashRecords.record(ordinal: first + UInt64($0)) }
            try log.append(records)
            // Unbuffered: the line is out before the next batch starts.
            FileHandle.standardOutput.write(Data("ack \(number) \(first) \(batch)\n".utf8))
            number += 1
        }
    }
}

/// The deterministic records of the crash child: the test target rebuilds them the same way.
///
/// Key: the ordinal as 8 big-endian bytes, repeated 4 times, each byte XOR 0x5A.
/// Value: `{"ordinal":N,"note":"crash-test"}` followed by `N % 97` bytes `x` and a newline.
enum StorageCrashRecords {
    static func record(ordinal: UInt64) -> (key: [UInt8], value: [UInt8]) {
        let word = (0..<8).map { UInt8(truncatingIfNeeded: ordinal >> UInt64(56 - 8 * $0)) ^ 0x5A }
        let value = "{\"ordinal\":\(ordinal),\"note\":\"crash-test\"}" + String(repeating: "x", count: Int(ordinal % 97)) + "\n"
        return (word + word + word + word, Array(value.utf8))
    }
}
