import NIOCore

/// The session task's view of one connection: reads frames (with the idle clock running),
/// writes frames (suspending while the socket is not writable) and counts what passed.
struct SessionIO {
    private var iterator: NIOAsyncChannelInboundStream<Frame>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private let session: SessionChannel
    /// The record layer, once the handshake has produced keys.
    var records: RecordLayer?
    /// Counters for the session's statistics.
    var statistics = SessionStatistics()

    init(inbound: NIOAsyncChannelInboundStream<Frame>, outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>,
         session: SessionChannel) {
        self.iterator = inbound.makeAsyncIterator()
        self.outbound = outbound
        self.session = session
    }

    /// The next frame from the peer.
    /// - Throws: `connectionClosed` at end of stream; decoder and timeout errors as they come.
    mutating func nextFrame() async throws -> Frame {
        session.setWaiting(true)
        defer { session.setWaiting(false) }
        guard let frame = try await iterator.next() else {
            throw TransportError(.connectionClosed, "the peer closed the connection before the session finished")
        }
        statistics.bytesIn += frame.wireSize
        return frame
    }

    /// The next handshake message, turning an ABORT into the peer's error (§4.3).
    mutating func nextHandshakeMessage() async throws -> [UInt8] {
        let frame = try await nextFrame()
        switch frame.kind {
        case .handshake: return frame.body
        case .abort: throw CloseCode(bytes: frame.body).errorFromPeer()
        case .data: throw TransportError(.malformedFrame, "a DATA frame arrived before the handshake finished")
        }
    }

    /// The next reassembled record-layer event (§5).
    mutating func nextEvent() async throws -> RecordLayer.Event {
        while true {
            let frame = try await nextFrame()
            guard records != nil else { throw TransportError(.malformedFrame, "a frame arrived before the keys were set") }
            if let event = try records?.open(frame) { return event }
        }
    }

    /// Writes frames in one buffer, suspending while the socket is not writable.
    mutating func send(_ frames: [Frame]) async throws {
        guard !frames.isEmpty else { return }
        var buffer = ByteBuffer()
        for frame in frames { frame.encode(into: &buffer) }
        statistics.bytesOut += buffer.readableBytes
        try await outbound.write(buffer)
    }

    /// Best effort, never waiting: tells the peer why we stop (CLOSE once keyed, ABORT before).
    mutating func sendFarewell(_ code: CloseCode) {
        let frame: Frame
        if records != nil {
            guard let sealed = try? records?.seal(close: code) else { return }
            frame = sealed
        } else {
            frame = Frame(kind: .abort, body: code.bytes)
        }
        var buffer = ByteBuffer()
        frame.encode(into: &buffer)
        statistics.bytesOut += buffer.readableBytes
        session.channel.channel.writeAndFlush(buffer, promise: nil)
    }

    /// After refusing a peer, reads and drops its frames until it closes (or a clock fires), so
    /// our refusal is not lost to a TCP reset caused by closing with unread data (§4.3).
    mutating func drainUntilClosed() async {
        while (try? await nextFrame()) != nil {}
    }
}
