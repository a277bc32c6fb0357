import Foundation
import LedgerStorage
import TestSupport
import Testing

/// Runs Tests/Tools/segment_reader.py, the Python reader written from Specs/segment-format.md
/// alone, and returns its exit status and its JSON report.
private func segmentReader(_ arguments: [String]) throws -> (status: Int32, report: [String: Any]) {
    let tools = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Tools")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try #require(findExecutable("python3")))
    process.arguments = [tools.appendingPathComponent("segment_reader.py").path] + arguments
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "no JSON report")
    return (process.terminationStatus, report)
}

@Suite("An independent Python reader decodes what the segment log writes",
       .enabled(if: findExecutable("python3") != nil, "python3 is not installed"))
struct IndependentSegmentReaderTests {
    @Test("the Python reader decodes the committed vector and recovers each damaged copy as the vector says")
    func readerChecksTheVector() throws {
        let vectors = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Vectors/segment-format-v1.json")
        let (status, report) = try segmentReader(["--vector", vectors.path])
        #expect(status == 0, "\(report["failures"] ?? "")")
        #expect(report["checked"] as? Int == 9)
    }

    @Test("the Python reader finds every record of a fresh log, sealed and active segments, with the same keys and bytes")
    func readerDecodesAFreshLog() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let log = try SegmentLog(directory: directory.path, options: smallOptions(block: 300, segment: 2048))
        var records: [(key: [UInt8], value: [UInt8])] = []
        for batch in 0..<12 {
            var new = (0..<5).map { record(batch * 5 + $0, seed: 7) }
            if batch == 3 { new.append((key: [UInt8](repeating: 0xEE, count: 32), value: [])) }  // an empty block value
            if batch == 7 { new.append(record(1_000, seed: 7, size: 100_000)) }  // a block frame over 64 KiB
            try log.append(new)
            records += new
        }
        try log.append([(key: [UInt8](repeating: 0xEF, count: 32), value: [])])  // a block of one empty value
        records.append((key: [UInt8](repeating: 0xEF, count: 32), value: []))
        log.close()

        let (status, report) = try segmentReader(["--dir", directory.path, "--values"])
        #expect(status == 0, "\(report["failures"] ?? "")")
        let segments = try #require(report["segments"] as? [[String: Any]])
        #expect(segments.count >= 3)
        #expect(segments.dropLast().allSatisfy { $0["sealed"] as? Bool == true })
        #expect(segments.last?["sealed"] as? Bool == false && segments.last?["cut_offset"] is NSNull)
        let keys = segments.flatMap { $0["keys"] as? [String] ?? [] }
        let values = segments.flatMap { $0["values"] as? [String] ?? [] }
        #expect(report["record_count"] as? Int == records.count)
        #expect(keys == records.map { hex($0.key) })
        #expect(values == records.map { hex($0.value) })
    }
}
