/// The encrypted record layer over Noise transport messages (Specs/sync-transport.md §5).
///
/// A conversation message of any size up to the configured maximum travels as one or more
/// DATA frames; each frame's plaintext is a record: a type byte, then a fragment.
/// ```
/// record type 0x00 PART  fragment of a message, more follow
/// record type 0x01 END   last fragment of a message (may be empty)
/// record type 0x02 CLOSE u16 BE close code (§6); nothing may follow it
/// ```
/// Why fragments: Noise caps a transport message at 65,535 bytes (§3 of the Noise spec), while
/// a sync message carrying entries can be megabytes. Reassembly is capped so a peer cannot
/// make us buffer without bound.
package struct RecordLayer: Sendable {
    /// One reassembled inbound event.
    package enum Event: Sendable, Equatable {
        /// A whole conversation message.
        case message([UInt8])
        /// The peer closed with a code.
        case close(CloseCode)
    }

    private var sender: NoiseCipherState
    private var receiver: NoiseCipherState
    private let maximumMessageSize: Int
    private let fragmentSize: Int
    private var partial: [UInt8] = []
    private var closed = false

    /// Creates a record layer over the handshake's cipher states.
    /// - Parameters:
    ///   - maximumFrameLength: the frame limit; fragments are sized so a sealed record fits it.
    ///   - maximumMessageSize: the largest reassembled message accepted.
    package init(sender: NoiseCipherState, receiver: NoiseCipherState, maximumFrameLength: Int, maximumMessageSize: Int) {
        self.sender = sender
        self.receiver = receiver
        self.maximumMessageSize = maximumMessageSize
        // Frame length = kind (1) + ciphertext (record type 1 + fragment + tag 16).
        self.fragmentSize = max(1, maximumFrameLength - 1 - 1 - 16)
    }

    /// Seals `message` into DATA frames.
    /// - Throws: `messageTooLarge` over the maximum, `nonceExhausted` at the nonce limit.
    package mutating func seal(message: [UInt8]) throws -> [Frame] {
        guard message.count <= maximumMessageSize else {
            throw TransportError(.messageTooLarge,
                                 "a conversation message of \(message.count) bytes exceeds the maximum of \(maximumMessageSize)")
        }
        var frames: [Frame] = []
        var offset = 0
        repeat {
            let end = min(message.count, offset + fragmentSize)
            let type: UInt8 = end == message.count ? 0x01 : 0x00
            let record = [type] + message[offset..<end]
            frames.append(Frame(kind: .data, body: try sender.encrypt(ad: [], plaintext: record)))
            offset = end
        } while offset < message.count
        return frames
    }

    /// Seals a CLOSE record.
    package mutating func seal(close code: CloseCode) throws -> Frame {
        Frame(kind: .data, body: try sender.encrypt(ad: [], plaintext: [0x02] + code.bytes))
    }

    /// Opens one DATA frame; returns an event when a message completes or the peer closes.
    /// - Throws: `decryptionFailed`, `malformedFrame` for an unknown record type or a record
    ///   after CLOSE, `messageTooLarge` when reassembly would pass the maximum.
    package mutating func open(_ frame: Frame) throws -> Event? {
        guard frame.kind == .data else {
            throw TransportError(.malformedFrame, "a \(frame.kind) frame arrived after the handshake")
        }
        guard !closed else { throw TransportError(.protocolViolation, "a record arrived after the peer's CLOSE") }
        let record = try receiver.decrypt(ad: [], ciphertext: frame.body)
        guard let type = record.first else { throw TransportError(.malformedFrame, "an empty record") }
        let fragment = record.dropFirst()
        switch type {
        case 0x00, 0x01:
            guard partial.count + fragment.count <= maximumMessageSize else {
                throw TransportError(.messageTooLarge,
                                     "the peer's message grows past the maximum of \(maximumMessageSize) bytes")
            }
            partial += fragment
            guard type == 0x01 else { return nil }
            defer { partial = [] }
            return .message(partial)
        case 0x02:
            guard partial.isEmpty else { throw TransportError(.protocolViolation, "CLOSE arrived inside a fragmented message") }
            guard fragment.count == 2 else { throw TransportError(.malformedFrame, "a CLOSE record must hold a 2-byte code") }
            closed = true
            return .close(CloseCode(bytes: Array(fragment)))
        default:
            throw TransportError(.malformedFrame, "a record has unknown type 0x\(String(type, radix: 16))")
        }
    }
}
