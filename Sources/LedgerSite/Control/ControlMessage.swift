import LedgerCore

/// The messages of a site's control socket (Specs/site-layout.md §8.3): how a command run
/// beside `serve` asks the server, the folder's one writer, to append its entries.
///
/// Every message is one frame: a 4-byte big-endian body length, then the body. Bodies are
/// bounded by ``maximumFrame``; a frame over it ends the connection. Pure values and codecs,
/// no I/O, so they are tested byte by byte.
public enum ControlMessage {
    /// The protocol version, the first byte of every body.
    public static let version: UInt8 = 1
    /// The largest body accepted, either way (64 MiB).
    public static let maximumFrame = 64 << 20
    /// Payload bytes a client puts in one request at most (32 MiB), so the reply, which adds
    /// each entry's header and signature to its payload, stays within ``maximumFrame``.
    public static let requestPayloadBudget = 32 << 20
    /// Most payloads in one request.
    public static let maximumPayloads = 1 << 20

    static let appendOperation: UInt8 = 1
    static let appendedStatus: UInt8 = 0
    static let refusedStatus: UInt8 = 1

    /// "Append one entry of `kind` per payload, in one commit."
    public struct AppendRequest: Sendable, Equatable {
        /// The entry kind.
        public var kind: String
        /// The payloads, in order.
        public var payloads: [[UInt8]]

        /// Creates a request.
        public init(kind: String, payloads: [[UInt8]]) { self.kind = kind; self.payloads = payloads }
    }

    /// The server's answer to one request.
    public enum Reply: Sendable, Equatable {
        /// The entries appended, as their canonical encodings, in order.
        case appended([[UInt8]])
        /// Nothing was appended: the writer's error code (`CoreError.Code` name) and message.
        case refused(code: String, message: String)
    }

    /// The body of an append request: version, operation 1, kind (u16 length + UTF-8),
    /// payload count (u32), then each payload (u32 length + bytes).
    public static func encode(_ request: AppendRequest) -> [UInt8] {
        var writer = ByteWriter(.bigEndian)
        writer.u8(version)
        writer.u8(appendOperation)
        let kind = Array(request.kind.utf8)
        writer.u16(UInt16(clamping: kind.count))
        writer.raw(kind.prefix(Int(UInt16.max)))
        writer.u32(UInt32(clamping: request.payloads.count))
        for payload in request.payloads {
            writer.u32(UInt32(clamping: payload.count))
            writer.raw(payload)
        }
        return writer.bytes
    }

    /// Decodes an append request body.
    /// - Throws: `CoreError` `.malformedFile` naming the field that does not read.
    public static func decodeRequest(_ body: [UInt8]) throws -> AppendRequest {
        try reading(body, "request") { cursor in
            guard try cursor.u8("version") == version else { throw CoreError(.unsupportedVersion, "control request of another version") }
            guard try cursor.u8("operation") == appendOperation else { throw CoreError(.malformedFile, "control request: unknown operation") }
            let kindLength = Int(try cursor.u16("kind length"))
            guard let kind = String(validating: try cursor.raw(kindLength, "kind"), as: UTF8.self) else {
                throw CoreError(.malformedFile, "control request: the kind is not UTF-8")
            }
            let count = Int(try cursor.u32("payload count"))
            guard count <= maximumPayloads else { throw CoreError(.limitExceeded, "control request: \(count) payloads") }
            var payloads: [[UInt8]] = []
            payloads.reserveCapacity(min(count, 4096))
            for _ in 0..<count {
                let length = Int(try cursor.u32("payload length"))
                payloads.append(try cursor.raw(length, "payload"))
            }
            try cursor.expectEnd("request")
            return AppendRequest(kind: kind, payloads: payloads)
        }
    }

    /// The body of a reply: version, then status 0 with the entry count (u32) and each entry
    /// (u32 length + encoding), or status 1 with the error code (u16 length + UTF-8) and
    /// message (u32 length + UTF-8).
    public static func encode(_ reply: Reply) -> [UInt8] {
        var writer = ByteWriter(.bigEndian)
        writer.u8(version)
        switch reply {
        case .appended(let entries):
            writer.u8(appendedStatus)
            writer.u32(UInt32(clamping: entries.count))
            for entry in entries {
                writer.u32(UInt32(clamping: entry.count))
                writer.raw(entry)
            }
        case .refused(let code, let message):
            writer.u8(refusedStatus)
            let code = Array(code.utf8.prefix(256)), message = Array(message.utf8.prefix(4096))
            writer.u16(UInt16(code.count))
            writer.raw(code)
            writer.u32(UInt32(message.count))
            writer.raw(message)
        }
        return writer.bytes
    }

    /// Decodes a reply body.
    /// - Throws: `CoreError` `.malformedFile` naming the field that does not read.
    public static func decodeReply(_ body: [UInt8]) throws -> Reply {
        try reading(body, "reply") { cursor in
            guard try cursor.u8("version") == version else { throw CoreError(.unsupportedVersion, "control reply of another version") }
            switch try cursor.u8("status") {
            case appendedStatus:
                let count = Int(try cursor.u32("entry count"))
                guard count <= maximumPayloads else { throw CoreError(.limitExceeded, "control reply: \(count) entries") }
                var entries: [[UInt8]] = []
                for _ in 0..<count {
                    let length = Int(try cursor.u32("entry length"))
                    entries.append(try cursor.raw(length, "entry"))
                }
                try cursor.expectEnd("reply")
                return .appended(entries)
            case refusedStatus:
                let code = try cursor.raw(Int(try cursor.u16("code length")), "code")
                let message = try cursor.raw(Int(try cursor.u32("message length")), "message")
                try cursor.expectEnd("reply")
                return .refused(code: String(decoding: code, as: UTF8.self), message: String(decoding: message, as: UTF8.self))
            default:
                throw CoreError(.malformedFile, "control reply: unknown status")
            }
        }
    }

    /// Runs `body` with a cursor over `bytes`, turning a short or malformed body into a `CoreError`.
    private static func reading<T>(_ bytes: [UInt8], _ what: String, _ body: (inout ByteCursor<[UInt8], ByteCursorFault>) throws -> T) throws -> T {
        var cursor = ByteCursor<[UInt8], ByteCursorFault>(bytes, byteOrder: .bigEndian)
        do {
            return try body(&cursor)
        } catch let fault as ByteCursorFault {
            throw CoreError(.malformedFile, "control \(what) does not read: \(fault)")
        }
    }

    /// The frame around a body: its length, big-endian, then the body.
    public static func frame(_ body: [UInt8]) -> [UInt8] {
        var writer = ByteWriter(.bigEndian)
        writer.u32(UInt32(clamping: body.count))
        writer.raw(body)
        return writer.bytes
    }
}
