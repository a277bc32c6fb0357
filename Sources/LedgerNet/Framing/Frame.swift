import NIOCore

/// One transport frame (Specs/sync-transport.md §3): a kind byte and a body.
///
/// ```
/// +----------------+--------+---------------------+
/// | length: u32 BE | kind:u8| body: length-1 bytes|
/// +----------------+--------+---------------------+
/// ```
/// Why a kind byte outside the encryption: the receiver must tell a handshake message from an
/// encrypted one before it has keys, and must be able to read a pre-handshake refusal.
package struct Frame: Sendable, Equatable {
    /// What a frame carries (§3.1).
    package enum Kind: UInt8, Sendable {
        /// A Noise handshake message (plaintext framing of the handshake bytes).
        case handshake = 0x01
        /// A refusal before the handshake completes: the body is a u16 BE close code.
        case abort = 0x02
        /// A Noise transport message: ciphertext of a record (§5).
        case data = 0x03
    }

    /// The bytes of the length prefix.
    package static let headerSize = 4

    /// The frame's kind.
    package var kind: Kind
    /// The body, after the kind byte.
    package var body: [UInt8]

    /// Creates a frame.
    package init(kind: Kind, body: [UInt8]) {
        self.kind = kind
        self.body = body
    }

    /// The frame's size on the wire, prefix included.
    package var wireSize: Int { Self.headerSize + 1 + body.count }

    /// Appends the frame's wire encoding (§3) to `buffer`.
    package func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt32(1 + body.count), endianness: .big)
        buffer.writeInteger(kind.rawValue)
        buffer.writeBytes(body)
    }

    /// The frame's wire encoding as bytes.
    package var encoded: [UInt8] {
        var buffer = ByteBuffer()
        encode(into: &buffer)
        return Array(buffer.readableBytesView)
    }
}
