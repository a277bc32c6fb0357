import NIOCore

/// Splits the inbound byte stream into frames (Specs/sync-transport.md §3), refusing any
/// length prefix above the maximum before buffering the frame.
///
/// Why check the prefix first: a peer that announces a 4 GiB frame must be cut off at once,
/// not after the server has tried to buffer it. Memory per connection is thus bounded by the
/// maximum frame size plus one socket read.
package struct FrameDecoder: ByteToMessageDecoder {
    /// Decoded frames.
    package typealias InboundOut = Frame

    /// The largest accepted value of the length prefix (kind byte plus body).
    package let maximumFrameLength: Int

    /// Creates a decoder that accepts length prefixes up to `maximumFrameLength`.
    package init(maximumFrameLength: Int) {
        self.maximumFrameLength = maximumFrameLength
    }

    /// Decodes one frame if the buffer holds a whole one.
    /// - Throws: `TransportError.frameTooLarge` for an oversized prefix,
    ///   `TransportError.malformedFrame` for a zero length or an unknown kind.
    package mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let frame = try Self.decodeFrame(from: &buffer, maximumFrameLength: maximumFrameLength) else {
            return .needMoreData
        }
        context.fireChannelRead(Self.wrapInboundOut(frame))
        return .continue
    }

    /// Called at end of stream; leftover bytes are a truncated frame and are dropped, since
    /// the session already reports the connection as closed mid-exchange.
    package mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer,
                                    seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }

    /// The pure decoding step, shared with tests: returns nil when more bytes are needed and
    /// consumes nothing in that case.
    package static func decodeFrame(from buffer: inout ByteBuffer, maximumFrameLength: Int) throws -> Frame? {
        guard let length = buffer.getInteger(at: buffer.readerIndex, endianness: .big, as: UInt32.self) else {
            return nil
        }
        guard length > 0 else {
            throw TransportError(.malformedFrame, "a frame has length 0 (it must hold at least its kind byte)")
        }
        guard Int(length) <= maximumFrameLength else {
            throw TransportError(.frameTooLarge,
                                 "a frame announces \(length) bytes, over the maximum of \(maximumFrameLength)")
        }
        guard buffer.readableBytes >= Frame.headerSize + Int(length) else { return nil }
        buffer.moveReaderIndex(forwardBy: Frame.headerSize)
        guard let kindByte = buffer.readInteger(as: UInt8.self),
              let body = buffer.readBytes(length: Int(length) - 1) else {
            throw TransportError(.malformedFrame, "a frame ended before its announced length")
        }
        guard let kind = Frame.Kind(rawValue: kindByte) else {
            throw TransportError(.malformedFrame, "a frame has unknown kind 0x\(String(kindByte, radix: 16))")
        }
        return Frame(kind: kind, body: body)
    }
}
