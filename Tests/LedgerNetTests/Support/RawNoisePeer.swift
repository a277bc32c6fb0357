import Crypto
@testable import LedgerNet
import NIOCore
import NIOPosix

/// Hands inbound bytes of a raw test connection to an AsyncStream.
final class ByteCollector: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    let continuation: AsyncStream<ByteBuffer>.Continuation

    init(_ continuation: AsyncStream<ByteBuffer>.Continuation) { self.continuation = continuation }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        continuation.yield(unwrapInboundIn(data))
    }

    func channelInactive(context: ChannelHandlerContext) {
        continuation.finish()
        context.fireChannelInactive()
    }
}

/// A hand-driven client that speaks the transport from the frame level up, so tests can
/// misbehave after a genuine handshake (tamper with records, stop reading).
struct RawNoisePeer {
    let channel: any Channel
    private var incoming: AsyncStream<ByteBuffer>.AsyncIterator
    private var buffer = ByteBuffer()
    /// The cipher for what this peer sends, after the handshake.
    var sender = NoiseCipherState()
    /// The cipher for what this peer receives, after the handshake.
    var receiver = NoiseCipherState()

    /// Connects and completes the Noise XX handshake as initiator.
    static func connect(port: Int, site: TestSite, configuration: TransportConfiguration) async throws -> RawNoisePeer {
        let (stream, continuation) = AsyncStream<ByteBuffer>.makeStream()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteCollector(continuation))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        var noise = NoiseXXHandshake(role: .initiator, localStatic: site.agreementKey, prologue: configuration.prologue)
        var peer = RawNoisePeer(channel: channel, incoming: stream.makeAsyncIterator())
        try await peer.write([Frame(kind: .handshake, body: try noise.writeMessage())])
        guard let second = try await peer.readFrame() else { throw VectorError(description: "server closed during the handshake") }
        _ = try noise.readMessage(second.body)
        try await peer.write([Frame(kind: .handshake, body: try noise.writeMessage())])
        let keys = try noise.finish()
        peer.sender = keys.sender
        peer.receiver = keys.receiver
        return peer
    }

    /// Encrypts any record (§5), valid or not, into a DATA frame.
    mutating func seal(record: [UInt8]) throws -> Frame {
        Frame(kind: .data, body: try sender.encrypt(ad: [], plaintext: record))
    }

    /// A whole small message as one END record.
    mutating func seal(message: [UInt8]) throws -> Frame { try seal(record: [0x01] + message) }

    /// Writes frames as they are.
    func write(_ frames: [Frame]) async throws {
        var out = ByteBuffer()
        for frame in frames { frame.encode(into: &out) }
        try await channel.writeAndFlush(out).get()
    }

    /// Reads and decrypts the next DATA frame's record, or nil once the server closed.
    mutating func readRecord() async throws -> [UInt8]? {
        guard let frame = try await readFrame() else { return nil }
        return try receiver.decrypt(ad: [], ciphertext: frame.body)
    }

    /// The next frame, or nil once the server closed.
    mutating func readFrame() async throws -> Frame? {
        while true {
            if let frame = try FrameDecoder.decodeFrame(from: &buffer, maximumFrameLength: 65_536) { return frame }
            guard var chunk = await incoming.next() else { return nil }
            buffer.writeBuffer(&chunk)
        }
    }
}
