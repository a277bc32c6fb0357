import CanonicalJSON
import Testing

@Suite("JSONLinesReader")
struct JSONLinesReaderTests {
    @Test("lines come back canonical with their line numbers; blank and CRLF lines are fine")
    func linesAndNumbers() throws {
        let input = Array("{\"b\":1, \"a\":\"\\/\"}\r\n\n  \t\r\n{\"x\":[1.50]}\n".utf8)
        let lines = try JSONLinesReader.readAll(input)
        #expect(lines.map(\.number) == [1, 4])
        #expect(lines.map { String(decoding: $0.canonical, as: UTF8.self) } == ["{\"a\":\"/\",\"b\":1}", "{\"x\":[1.5]}"])
    }

    @Test("a file without a final newline, and an empty file")
    func edges() throws {
        #expect(try JSONLinesReader.readAll(Array("{}".utf8)).map(\.number) == [1])
        #expect(try JSONLinesReader.readAll([]).isEmpty)
    }

    @Test("the first bad line is reported with its number and code", arguments: [
        ("{}\n{\"a\":1,\"a\":2}\n[1]\n", 2, "duplicate-key"),
        ("{}\n\n[1]\n{\"a\":1,\"a\":2}\n", 3, "not-an-object"),
        ("{}\n{\"a\":\"\\ud800\"}\n", 2, "lone-surrogate"),
        ("{} x\n", 1, "trailing-bytes"),
    ])
    func badLine(input: String, line: Int, code: String) {
        var reader = JSONLinesReader(Array(input.utf8))
        do {
            while try reader.next() != nil {}
            Issue.record("accepted")
        } catch {
            #expect(error.line == line && error.code.rawValue == code, "\(error)")
            #expect(error.description.hasPrefix("line \(line): "))
        }
    }

    @Test("invalid UTF-8 on one line is that line's error, split across no line")
    func invalidUTF8() {
        #expect(throws: JSONError.self) { try JSONLinesReader.readAll([0x7B, 0x7D, 0x0A, 0x22, 0xC3, 0x0A, 0xA9, 0x22]) }
    }
}
