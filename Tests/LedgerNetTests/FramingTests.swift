import LedgerCore
@testable import LedgerNet
import NIOCore
import TestSupport
import Testing

@Suite("Frames and records")
struct FramingTests {
    static var file: [String: Any] { (try? loadVector("transport-frames.json")) ?? [:] }

    /// Feeds `bytes` one at a time and collects the frames (or the first error).
    static func decodeByteAtATime(_ bytes: [UInt8], maximum: Int = 65_536) throws -> [Frame] {
        var buffer = ByteBuffer()
        var frames: [Frame] = []
        for byte in bytes {
            buffer.writeInteger(byte)
            while let frame = try FrameDecoder.decodeFrame(from: &buffer, maximumFrameLength: maximum) {
                frames.append(frame)
            }
        }
        return frames
    }

    @Test("frames encode to the vector bytes and decode from them byte at a time")
    func frameVectors() throws {
        let frames = try Self.file.objects("frames")
        #expect(frames.count >= 4)
        var stream: [UInt8] = []
        var expected: [Frame] = []
        for vector in frames {
            let kind = try #require(Frame.Kind(rawValue: UInt8(try vector.int("kind"))))
            let frame = Frame(kind: kind, body: try vector.bytes("body"))
            #expect(Hex.encode(frame.encoded) == (try vector.string("wire")))
            stream += try vector.bytes("wire")
            expected.append(frame)
        }
        #expect(try Self.decodeByteAtATime(stream) == expected)
    }

    @Test("negative frame vectors are refused with their codes, before the body arrives")
    func negativeFrames() throws {
        for vector in try Self.file.objects("negative_frames") {
            let name = try vector.string("name")
            let error = #expect(throws: TransportError.self, "\(name)") {
                _ = try Self.decodeByteAtATime(try vector.bytes("wire"))
            }
            #expect(error?.code.name == (try vector.string("error")), "\(name)")
        }
    }

    @Test("a configured smaller maximum refuses a frame one byte over it")
    func smallerMaximum() throws {
        let frame = Frame(kind: .handshake, body: [UInt8](repeating: 1, count: 99))
        #expect(try Self.decodeByteAtATime(frame.encoded, maximum: 100) == [frame])
        let over = Frame(kind: .handshake, body: [UInt8](repeating: 1, count: 100))
        let error = #expect(throws: TransportError.self) { _ = try Self.decodeByteAtATime(over.encoded, maximum: 100) }
        #expect(error?.code == .frameTooLarge)
    }

    static func recordLayer(nonce: UInt64) throws -> RecordLayer {
        let key = try Self.file.bytes("record_key")
        return RecordLayer(sender: NoiseCipherState(key: key, nonce: nonce),
                           receiver: NoiseCipherState(key: key, nonce: nonce),
                           maximumFrameLength: 65_536, maximumMessageSize: 1 << 20)
    }

    @Test("records seal to the independently computed vector bytes and open back")
    func recordVectors() throws {
        for vector in try Self.file.objects("records") {
            var layer = try Self.recordLayer(nonce: UInt64(try vector.int("nonce")))
            let wire = try vector.string("wire")
            let frame: Frame
            if let message = vector["message"] as? String {
                let frames = try layer.seal(message: try hexBytes(message))
                #expect(frames.count == 1)
                frame = try #require(frames.first)
                #expect(Hex.encode(frame.encoded) == wire)
                #expect(try layer.open(frame) == .message(try hexBytes(message)))
            } else {
                let code = try #require(CloseCode(rawValue: UInt16(try vector.int("close_code"))))
                frame = try layer.seal(close: code)
                #expect(Hex.encode(frame.encoded) == wire)
                #expect(try layer.open(frame) == .close(code))
            }
        }
    }

    @Test("negative record vectors are refused with their codes")
    func negativeRecords() throws {
        for vector in try Self.file.objects("negative_records") {
            let name = try vector.string("name")
            var layer = try Self.recordLayer(nonce: UInt64(try vector.int("nonce")))
            let frames = try Self.decodeByteAtATime(try vector.bytes("wire"))
            let frame = try #require(frames.first)
            let error = #expect(throws: TransportError.self, "\(name)") { _ = try layer.open(frame) }
            #expect(error?.code.name == (try vector.string("error")), "\(name)")
        }
    }

    @Test("messages of random sizes fragment into frames under the limit and reassemble exactly")
    func fragmentation() throws {
        var generator = SeededGenerator(seed: 0x5EED_F4A6)
        let key = [UInt8](repeating: 9, count: 32)
        for maximumFrame in [64, 1000, 65_536] {
            var sender = RecordLayer(sender: NoiseCipherState(key: key), receiver: NoiseCipherState(key: key),
                                     maximumFrameLength: maximumFrame, maximumMessageSize: 300_000)
            var receiver = sender
            for _ in 0..<20 {
                // Tiny frames make thousands of records per message: keep those messages smaller.
                let size = Int(generator.next() % UInt64(maximumFrame < 1000 ? 20_000 : 200_000))
                let message = generator.bytes(size)
                let frames = try sender.seal(message: message)
                #expect(frames.allSatisfy { $0.wireSize - Frame.headerSize <= maximumFrame },
                        "seed \(generator.seed)")
                var events: [RecordLayer.Event] = []
                for frame in frames { if let event = try receiver.open(frame) { events.append(event) } }
                #expect(events == [.message(message)], "seed \(generator.seed), size \(size)")
            }
        }
    }

    @Test("a message over the maximum size is refused when sealing and when reassembling")
    func messageCap() throws {
        let key = [UInt8](repeating: 3, count: 32)
        var big = RecordLayer(sender: NoiseCipherState(key: key), receiver: NoiseCipherState(key: key),
                              maximumFrameLength: 1000, maximumMessageSize: 10_000)
        var small = RecordLayer(sender: NoiseCipherState(key: key), receiver: NoiseCipherState(key: key),
                                maximumFrameLength: 1000, maximumMessageSize: 5_000)
        let sealError = #expect(throws: TransportError.self) { _ = try small.seal(message: [UInt8](repeating: 0, count: 5_001)) }
        #expect(sealError?.code == .messageTooLarge)
        let frames = try big.seal(message: [UInt8](repeating: 0, count: 9_000))
        let openError = #expect(throws: TransportError.self) { for frame in frames { _ = try small.open(frame) } }
        #expect(openError?.code == .messageTooLarge)
    }

    @Test("a record after CLOSE and a handshake frame after the handshake are refused")
    func afterClose() throws {
        var layer = try Self.recordLayer(nonce: 0)
        var peer = try Self.recordLayer(nonce: 0)
        #expect(try peer.open(try layer.seal(close: .finished)) == .close(.finished))
        let late = try layer.seal(message: [1])
        #expect(throws: TransportError.self) { _ = try peer.open(late[0]) }
        var fresh = try Self.recordLayer(nonce: 0)
        #expect(throws: TransportError.self) { _ = try fresh.open(Frame(kind: .handshake, body: [1])) }
    }
}
