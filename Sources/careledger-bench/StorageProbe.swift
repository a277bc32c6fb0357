import ArgumentParser
import Foundation
import LedgerStorage

/// `careledger-bench storage-probe --dir D`: times opening and scanning an existing store (hidden; for profiling).
struct StorageProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration.hiddenChild(
        "storage-probe", abstract: "Time reopening and a full scan of an existing segment log (for profiling).")

    @Option(help: "The data folder.")
    var dir: String

    @Option(help: "How many times to repeat.")
    var repeats: Int = 3

    func run() throws {
        for _ in 0..<repeats {
            let openStart = ContinuousClock.now
            let log = try SegmentLog(directory: dir)
            let opened = ContinuousClock.now - openStart
            let statistics = try log.statistics()
            let scanStart = ContinuousClock.now
            var bytes = 0
            try log.scan { record in
                bytes += record.value.count
                return true
            }
            let scanned = ContinuousClock.now - scanStart
            print("open \(opened), scan \(scanned), \(statistics.records) records, \(statistics.segments) segments, \(bytes) bytes")
            log.close()
        }
    }
}
