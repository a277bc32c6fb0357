import LedgerCore

/// Encodes and decodes sync messages (Specs/sync-protocol.md §2–4).
///
/// A frame is `type u8 | body length u32 BE | body`. Frames are self-delimiting so the
/// same bytes work in a file (bundles) and on a stream (TCP, issue 6).
public enum SyncMessageCodec {
    /// Length of the frame header (type + body length).
    public static let headerLength = 5

    /// The message as one frame.
    public static func encode(_ message: SyncMessage) -> [UInt8] {
        var body = ByteWriter(.bigEndian)
        switch message {
        case .hello(let hello):
            body.u8(hello.version)
            body.raw(hello.salt)
            encodeReports(hello.reports, into: &body)
        case .step(let reports):
            encodeReports(reports, into: &body)
        case .items(let items):
            body.varint(UInt64(items.count))
            for item in items {
                body.hash(item.id)
                body.varint(UInt64(item.bytes.count))
                body.raw(item.bytes)
            }
        case .summary(let snapshot):
            snapshot.encode(into: &body)
        case .abort(let code):
            body.u16(code)
        }
        var frame = ByteWriter(.bigEndian, capacity: headerLength + body.bytes.count)
        frame.u8(message.typeByte)
        frame.u32(UInt32(truncatingIfNeeded: body.bytes.count))
        frame.raw(body.bytes)
        return frame.bytes
    }

    private static func encodeReports(_ reports: [RangeReport], into writer: inout ByteWriter) {
        writer.varint(UInt64(reports.count))
        for report in reports {
            switch report {
            case .children(let prefix, let present, let fingerprints):
                writer.u8(0x01)
                prefix.encode(into: &writer)
                writer.u16(present)
                for fp in fingerprints { writer.u64(fp) }
            case .ids(let prefix, let shortIDs):
                writer.u8(0x02)
                prefix.encode(into: &writer)
                writer.varint(UInt64(shortIDs.count))
                for id in shortIDs { writer.u64(id) }
            case .need(let prefix, let shortIDs):
                writer.u8(0x03)
                prefix.encode(into: &writer)
                writer.varint(UInt64(shortIDs.count))
                for id in shortIDs { writer.u64(id) }
            }
        }
    }

    /// Decodes exactly one frame; trailing bytes are an error.
    public static func decode(frame: [UInt8], limits: SyncLimits = SyncLimits()) throws(SyncError) -> SyncMessage {
        var decoder = SyncMessageDecoder(limits: limits)
        let messages = try decoder.feed(frame)
        guard messages.count == 1, decoder.bufferedByteCount == 0 else {
            if messages.isEmpty {
                throw SyncError(.truncatedMessage, "input ends inside the frame", offset: frame.count)
            }
            throw SyncError(.malformedMessage, "bytes after the frame", offset: SyncMessageCodec.frameLength(frame))
        }
        return messages[0]
    }

    static func frameLength(_ frame: [UInt8]) -> Int {
        guard frame.count >= headerLength else { return frame.count }
        var reader = ByteReader(frame, from: 1)
        return headerLength + Int((try? reader.u32("length")) ?? 0)
    }

    /// Decodes a body whose type byte and length were already read.
    static func decodeBody(type: UInt8, _ reader: inout ByteReader, limits: SyncLimits) throws(SyncError) -> SyncMessage {
        let message: SyncMessage
        switch type {
        case 0x01:
            let version = try reader.u8("hello version")
            guard version == SyncProtocol.version else {
                throw SyncError(.unsupportedVersion, "peer speaks sync protocol version \(version); this build speaks \(SyncProtocol.version)", offset: reader.offset - 1)
            }
            let salt = try reader.raw(SyncProtocol.saltLength, "hello salt")
            message = .hello(SyncHello(version: version, salt: salt, reports: try decodeReports(&reader, limits: limits)))
        case 0x02:
            message = .step(try decodeReports(&reader, limits: limits))
        case 0x03:
            let count = try reader.count("item count", limit: limits.maxMessageBytes / 33)
            var items: [SyncItem] = []
            items.reserveCapacity(count)
            for _ in 0..<count {
                let id = try reader.hash("item id")
                let length = try reader.count("item length", limit: limits.maxItemBytes)
                items.append(SyncItem(id: id, bytes: try reader.raw(length, "item bytes")))
            }
            message = .items(items)
        case 0x04:
            message = .summary(try SummarySnapshot.decode(from: &reader, limits: limits))
        case 0x05:
            message = .abort(code: try reader.u16("abort code"))
        default:
            throw SyncError(.unknownMessageType, "unknown message type 0x\(String(type, radix: 16))", offset: reader.offset - headerLength)
        }
        try reader.expectEnd("the message body")
        return message
    }

    private static func decodeReports(_ reader: inout ByteReader, limits: SyncLimits) throws(SyncError) -> [RangeReport] {
        let count = try reader.count("report count", limit: limits.maxReports)
        var reports: [RangeReport] = []
        reports.reserveCapacity(min(count, 4096))
        for _ in 0..<count {
            let tag = try reader.u8("report tag")
            let prefix = try IdPrefix.decode(from: &reader)
            switch tag {
            case 0x01:
                guard prefix.depth < 64 else { throw reader.malformed("CHILDREN report for a full-depth prefix") }
                let present = try reader.u16("children bitmap")
                guard present != 0 else { throw reader.malformed("CHILDREN report with no children") }
                var fps: [UInt64] = []
                for _ in 0..<present.nonzeroBitCount { fps.append(try reader.u64("child fingerprint")) }
                reports.append(.children(prefix, present: present, fingerprints: fps))
            case 0x02, 0x03:
                let n = try reader.count("short id count", limit: limits.maxListEntries)
                var ids: [UInt64] = []
                ids.reserveCapacity(n)
                for _ in 0..<n {
                    let id = try reader.u64("short id")
                    if let last = ids.last, id <= last { throw reader.malformed("short ids are not strictly ascending") }
                    ids.append(id)
                }
                if tag == 0x03 && ids.isEmpty { throw reader.malformed("NEED report with no short ids") }
                reports.append(tag == 0x02 ? .ids(prefix, shortIDs: ids) : .need(prefix, shortIDs: ids))
            default:
                throw reader.malformed("report tag \(tag) is not 1, 2 or 3")
            }
        }
        return reports
    }
}

/// Turns a byte stream into messages, accepting input in pieces of any size (down to one
/// byte at a time), and rejecting an oversized frame as soon as its header is read.
///
/// After the first error the decoder stays failed: a transport must drop the peer.
public struct SyncMessageDecoder: Sendable {
    /// The caps applied to every frame.
    public let limits: SyncLimits
    private var buffer: [UInt8] = []
    /// Bytes of `buffer` already decoded; compacted lazily so a long stream is not
    /// shifted once per message.
    private var start = 0
    private var consumed = 0
    private var failure: SyncError?

    /// Creates a decoder.
    public init(limits: SyncLimits = SyncLimits()) { self.limits = limits }

    /// Bytes received but not yet part of a complete frame.
    public var bufferedByteCount: Int { buffer.count - start }

    /// Appends `bytes` and returns every message they complete.
    /// - Throws: `SyncError` with the stream offset of the bad frame.
    public mutating func feed<Bytes: Sequence>(_ bytes: Bytes) throws(SyncError) -> [SyncMessage] where Bytes.Element == UInt8 {
        if let failure { throw failure }
        if start > 0 && start >= buffer.count / 2 {
            buffer.removeFirst(start)
            start = 0
        }
        buffer.append(contentsOf: bytes)
        var messages: [SyncMessage] = []
        do throws(SyncError) {
            while buffer.count - start >= SyncMessageCodec.headerLength {
                var header = ByteReader(buffer, from: start, base: consumed - start)
                let type = try header.u8("frame type")
                let length = Int(try header.u32("frame length"))
                guard length <= limits.maxMessageBytes else {
                    throw SyncError(.oversizedMessage, "frame declares a \(length)-byte body, over the cap of \(limits.maxMessageBytes)", offset: consumed + 1)
                }
                guard (0x01...0x05).contains(type) else {
                    throw SyncError(.unknownMessageType, "unknown message type 0x\(String(type, radix: 16))", offset: consumed)
                }
                let total = SyncMessageCodec.headerLength + length
                guard buffer.count - start >= total else { break }
                var body = ByteReader(buffer, from: start + SyncMessageCodec.headerLength, to: start + total, base: consumed - start)
                messages.append(try SyncMessageCodec.decodeBody(type: type, &body, limits: limits))
                start += total
                consumed += total
            }
        } catch {
            failure = error
            throw error
        }
        return messages
    }
}
