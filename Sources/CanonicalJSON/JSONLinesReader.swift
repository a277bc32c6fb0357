/// Reads JSON Lines input (one JSON object per line) as canonical object bytes
/// (Specs/canonical-json.md §5).
///
/// Lines are separated by `\n`; a line holding only spaces, tabs and `\r` is skipped (so
/// CRLF files and a final newline are fine) but still counts for line numbers. Every other
/// line must be one JSON object; its canonical bytes come back with its 1-based line number.
public struct JSONLinesReader {
    /// One line of the input, canonicalised.
    public struct Line: Sendable, Equatable {
        /// The 1-based line number in the input.
        public let number: Int
        /// The canonical bytes of the line's object.
        public let canonical: [UInt8]
    }

    private let bytes: [UInt8]
    private var position = 0
    private var lineNumber = 0

    /// A reader over the whole input `bytes`.
    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// The next non-blank line, or nil after the last.
    /// - Throws: `JSONError` with `line` set, for the first line that is not one JSON object.
    public mutating func next() throws(JSONError) -> Line? {
        while position < bytes.count {
            let start = position
            var end = start
            while end < bytes.count, bytes[end] != 0x0A { end += 1 }
            position = end + 1
            lineNumber += 1
            let line = bytes[start..<end]
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            do {
                return Line(number: lineNumber, canonical: JSONWriter.canonical(try JSONParser.parseObject(line)))
            } catch {
                throw error.onLine(lineNumber)
            }
        }
        return nil
    }

    /// Every non-blank line of `bytes`, canonicalised, in order.
    /// - Throws: `JSONError` for the first line (in input order) that is not one JSON object.
    public static func readAll(_ bytes: [UInt8]) throws(JSONError) -> [Line] {
        var reader = JSONLinesReader(bytes)
        var lines: [Line] = []
        while let line = try reader.next() { lines.append(line) }
        return lines
    }
}
