import Foundation
import LedgerStorage
import StorageTestSupport
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The crash child's records, rebuilt exactly as `careledger-bench storage-crash-child` makes them.
enum CrashChildRecords {
    static func record(ordinal: UInt64) -> (key: [UInt8], value: [UInt8]) {
        let word = (0..<8).map { UInt8(truncatingIfNeeded: ordinal >> UInt64(56 - 8 * $0)) ^ 0x5A }
        let value = "{\"ordinal\":\(ordinal),\"note\":\"crash-test\"}" + String(repeating: "x", count: Int(ordinal % 97)) + "\n"
        return (word + word + word + word, Array(value.utf8))
    }
}

/// The built `careledger-bench`, found beside the test bundle in the build folder.
func benchBinary() -> String? {
    var folder = URL(fileURLWithPath: CommandLine.arguments.first ?? "")
    for _ in 0..<4 {
        folder.deleteLastPathComponent()
        let candidate = folder.appendingPathComponent("careledger-bench").path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
}

@Suite("Killing a writer mid-append")
struct KillTests {
    @Test("Every batch a kill -9'd writer acknowledged is present after reopening, and nothing else is invented")
    func acknowledgedBatchesSurviveKill() throws {
        guard let binary = benchBinary() else {
            Issue.record("careledger-bench was not found beside the test bundle; build it (swift build) first")
            return
        }
        let directory = try TemporaryDirectory(prefix: "careledger-kill")
        defer { directory.remove() }
        for round in 0..<3 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["storage-crash-child", "--dir", directory.path, "--batch", "40", "--segment-bytes", "16384"]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            // Read acknowledgements until enough have arrived, then kill -9 mid-append.
            var text = ""
            var acknowledgements = 0
            while acknowledgements < 25 + round * 10 {
                let chunk = output.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                text += String(decoding: chunk, as: UTF8.self)
                acknowledgements = text.filter { $0 == "\n" }.count
            }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            text += String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(process.terminationReason == .uncaughtSignal, "round \(round)")
            // Only complete lines are acknowledgements.
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            var acknowledgedThrough: UInt64 = 0
            for line in lines {
                let fields = line.split(separator: " ")
                guard fields.count == 4, fields[0] == "ack", let first = UInt64(fields[2]), let count = UInt64(fields[3]) else {
                    Issue.record("unexpected line from the child: \(line)")
                    continue
                }
                acknowledgedThrough = max(acknowledgedThrough, first + count)
            }
            #expect(acknowledgedThrough >= 25 * 40, "round \(round)")
            let log = try SegmentLog(directory: directory.path)
            #expect(log.recordCount >= acknowledgedThrough, "round \(round): lost acknowledged records")
            #expect(log.recordCount % 40 == 0, "round \(round): a partial batch was kept")
            var ordinal: UInt64 = 0
            try log.scan { stored in
                let expected = CrashChildRecords.record(ordinal: ordinal)
                #expect(Array(stored.key) == expected.key && Array(stored.value) == expected.value, "round \(round) #\(ordinal)")
                ordinal += 1
                return true
            }
            #expect(ordinal == log.recordCount)
            #expect(try log.verify().isEmpty, "round \(round)")
            #expect(try log.statistics().sealedSegments >= 1, "round \(round)")
            log.close()
        }
    }
}
