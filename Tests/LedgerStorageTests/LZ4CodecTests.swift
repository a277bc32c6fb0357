import Foundation
import LZ4Codec
import StorageTestSupport
import TestSupport
import Testing

@Suite("LZ4 frame codec")
struct LZ4CodecTests {
    @Test("Frames round-trip for sizes from empty to several LZ4 blocks", arguments: [0, 1, 17, 4096, 65_536, 300_000])
    func framesRoundTrip(size: Int) throws {
        var generator = SeededGenerator(seed: UInt64(size) + 11)
        let input = (0..<size).map { index in index % 7 == 0 ? UInt8(truncatingIfNeeded: generator.next()) : UInt8(index % 13) }
        for checksum in [false, true] {
            let frame = try LZ4FrameCompressor.compress(input, contentChecksum: checksum)
            #expect(Array(frame.prefix(4)) == [0x04, 0x22, 0x4D, 0x18])
            #expect(try LZ4FrameDecompressor.decompressFrame(frame) == input, "seed \(generator.seed)")
        }
    }

    @Test("Every strict prefix of a frame is reported as truncated, never decoded")
    func everyPrefixIsTruncated() throws {
        let input = Array("consent:permit;purpose=TREAT;".utf8) + (0..<2000).map { UInt8($0 % 251) }
        let frame = try LZ4FrameCompressor.compress(input, contentChecksum: true)
        let decompressor = LZ4FrameDecompressor()
        for length in 0..<frame.count {
            let prefix = Array(frame[0..<length])
            #expect(throws: LZ4Error.self, "prefix of \(length) bytes") {
                try prefix.withUnsafeBytes { try decompressor.decompressFrame($0) }
            }
        }
        #expect(try frame.withUnsafeBytes { try decompressor.decompressFrame($0) } == input)
    }

    @Test("A declared content size over the cap is refused before decoding")
    func declaredSizeOverCapIsRefused() throws {
        let frame = try LZ4FrameCompressor.compress([UInt8](repeating: 7, count: 10_000))
        #expect { try LZ4FrameDecompressor.decompressFrame(frame, maxOutput: 9_999) } throws: {
            ($0 as? LZ4Error)?.code == .outputTooLarge
        }
        #expect(try LZ4FrameDecompressor.decompressFrame(frame, maxOutput: 10_000).count == 10_000)
    }

    @Test("The frame vectors decode to their outputs, and the negative ones fail with their codes")
    func frameVectors() throws {
        let vectors = try LZ4Vectors.load()
        #expect(vectors.positive.count >= 2 && vectors.negative.count >= 8)
        for vector in vectors.positive {
            let frame = try #require(bytes(hex: vector.frame_hex), "\(vector.name)")
            let expected: [UInt8]
            if let output = vector.output_hex {
                expected = try #require(bytes(hex: output))
            } else {
                let byte = try #require(bytes(hex: vector.output_repeat_hex ?? "")).first ?? 0
                expected = [UInt8](repeating: byte, count: vector.output_length ?? 0)
            }
            #expect(try LZ4FrameDecompressor.decompressFrame(frame, maxOutput: vector.max_output) == expected, "\(vector.name)")
            #expect(try LZ4FrameDecompressor.decompressStream(frame, maxOutput: vector.max_output) == expected, "\(vector.name)")
        }
        for vector in vectors.negative {
            let frame = try #require(bytes(hex: vector.frame_hex), "\(vector.name)")
            #expect("\(vector.name)") { try LZ4FrameDecompressor.decompressFrame(frame, maxOutput: vector.max_output) } throws: {
                ($0 as? LZ4Error)?.code.rawValue == vector.error
            }
        }
    }

    @Test("Bytes after a frame are reported as trailing bytes")
    func trailingBytesAreReported() throws {
        let frame = try LZ4FrameCompressor.compress(Array("hello".utf8))
        #expect { try LZ4FrameDecompressor.decompressFrame(frame + [0]) } throws: { ($0 as? LZ4Error)?.code == .trailingBytes }
    }

    @Test("A flipped byte in a checksummed frame never decodes to the original silently")
    func flippedBytesAreDetected() throws {
        let input = (0..<3000).map { UInt8(($0 * 7) % 256) }
        let frame = try LZ4FrameCompressor.compress(input, contentChecksum: true)
        for offset in 0..<frame.count {
            var damaged = frame
            damaged[offset] ^= 0xFF
            let output = try? LZ4FrameDecompressor.decompressFrame(damaged)
            #expect(output == nil, "flip at \(offset) decoded")
        }
    }

    @Test("Streams of frames and skippable frames decode like lz4 -dc")
    func streamsSkipSkippableFrames() throws {
        let first = try LZ4FrameCompressor.compress(Array("alpha\n".utf8))
        let second = try LZ4FrameCompressor.compress(Array("beta\n".utf8))
        let metadata = LZ4SkippableFrame.encode(nibble: 0xA, payload: [1, 2, 3])
        let stream = metadata + first + LZ4SkippableFrame.encode(nibble: 0xF, payload: []) + second
        #expect(try LZ4FrameDecompressor.decompressStream(stream) == Array("alpha\nbeta\n".utf8))
        #expect(LZ4SkippableFrame.parseHeader(metadata)?.nibble == 0xA)
        #expect(LZ4SkippableFrame.parseHeader(metadata)?.payloadSize == 3)
        #expect(LZ4SkippableFrame.parseHeader(first) == nil)
        #expect { try LZ4FrameDecompressor.decompressStream(Array(metadata.dropLast())) } throws: {
            ($0 as? LZ4Error)?.code == .truncatedFrame
        }
    }

    @Test("Frames written here decode with the lz4 tool, and frames the tool writes decode here", .enabled(if: findExecutable("lz4") != nil, "the lz4 tool is not installed"))
    func interoperatesWithTheLZ4Tool() throws {
        let tool = try #require(findExecutable("lz4"))
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let input = Array(String(repeating: "{\"kind\":\"consent\",\"hash\":\"00ff\"}\n", count: 500).utf8)
        try writeFile(directory.path + "/ours.lz4", try LZ4FrameCompressor.compress(input))
        let decoded = try run(tool, ["-dc", directory.path + "/ours.lz4"])
        #expect(decoded == input)
        try writeFile(directory.path + "/plain", input)
        _ = try run(tool, ["-q", "-f", directory.path + "/plain", directory.path + "/theirs.lz4"])
        #expect(try LZ4FrameDecompressor.decompressFrame(fileBytes(directory.path + "/theirs.lz4")) == input)
    }
}

/// The path of an executable on `PATH`, or nil.
func findExecutable(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
}

/// Runs a program to completion and returns its standard output; throws when it exits non-zero.
func run(_ executable: String, _ arguments: [String]) throws -> [UInt8] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw CocoaError(.executableLoad, userInfo: ["status": process.terminationStatus])
    }
    return [UInt8](data)
}

/// Tests/Vectors/lz4-frames.json.
struct LZ4Vectors: Decodable {
    struct Positive: Decodable {
        let name: String
        let frame_hex: String
        let output_hex: String?
        let output_repeat_hex: String?
        let output_length: Int?
        let max_output: Int
    }

    struct Negative: Decodable {
        let name: String
        let frame_hex: String
        let max_output: Int
        let error: String
    }

    let positive: [Positive]
    let negative: [Negative]

    static func load() throws -> LZ4Vectors {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Vectors/lz4-frames.json")
        return try JSONDecoder().decode(LZ4Vectors.self, from: Data(contentsOf: url))
    }
}
