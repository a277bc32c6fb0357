import CanonicalJSON
import Foundation

/// Reads a JSON Lines file in chunks of whole lines, so an input of any size is read with
/// bounded memory (Specs/canonical-json.md §5): each line is canonicalised and numbered in
/// the whole input, as ``JSONLinesReader`` numbers them.
struct JSONLinesStream {
    /// One non-blank line: its 1-based number in the input and its canonical object bytes.
    struct Line {
        let number: Int
        let canonical: [UInt8]
    }

    /// The file read.
    let path: String
    /// Bytes read at a time (a line longer than this is read whole, in several reads).
    var chunkBytes = 1 << 20

    /// Calls `body` with every non-blank line in order.
    /// - Throws: `JSONError` (its `line` in the whole input) for the first line that is not
    ///   one JSON object; `CLIFailure` when the file cannot be read; what `body` throws.
    func forEach(_ body: (Line) throws -> Void) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw CLIFailure.usage("cannot read \(path): no such file or not readable")
        }
        defer { try? handle.close() }
        var pending: [UInt8] = []
        var linesBefore = 0
        func consume(_ bytes: [UInt8]) throws {
            var reader = JSONLinesReader(bytes)
            do {
                while let line = try reader.next() { try body(Line(number: linesBefore + line.number, canonical: line.canonical)) }
            } catch let error as JSONError {
                throw error.onLine(linesBefore + (error.line ?? 1))
            }
            linesBefore += bytes.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        }
        while true {
            let data = try handle.read(upToCount: chunkBytes) ?? Data()
            if data.isEmpty { break }
            pending += data
            guard let lastNewline = pending.lastIndex(of: 0x0A) else { continue }
            try consume(Array(pending[...lastNewline]))
            pending.removeSubrange(...lastNewline)
        }
        if !pending.isEmpty { try consume(pending) }
    }

    /// Copies standard input to a temporary file (streamed), so it can be read twice.
    static func spoolStandardInput() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("careledger-append-\(UUID().uuidString).jsonl").path
        guard FileManager.default.createFile(atPath: path, contents: nil), let out = FileHandle(forWritingAtPath: path) else {
            throw CLIFailure.usage("cannot spool standard input to \(path)")
        }
        defer { try? out.close() }
        while let data = try FileHandle.standardInput.read(upToCount: 1 << 20), !data.isEmpty { try out.write(contentsOf: data) }
        return path
    }
}
