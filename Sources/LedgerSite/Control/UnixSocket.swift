import Foundation
import LedgerCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A connected Unix-domain stream socket carrying length-prefixed frames (Specs/site-layout.md §8.3).
///
/// Blocking calls with a receive and send timeout: used from plain threads (the control
/// server's) or from a command's synchronous code, never on the cooperative pool.
final class UnixSocket: Sendable {
    let descriptor: Int32

    init(descriptor: Int32) { self.descriptor = descriptor }

    deinit { close(descriptor) }

    /// The socket address of `path`; nil when the path is too long for `sun_path`.
    static func address(_ path: String) -> sockaddr_un? {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else { return nil }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        return address
    }

    /// Connects to the socket at `path`; nil when nothing listens there (no file, a stale
    /// file whose server is gone, a path too long to address).
    static func connect(to path: String, timeout: Double) -> UnixSocket? {
        guard var address = address(path) else { return nil }
        let descriptor = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return nil }
        let connection = UnixSocket(descriptor: descriptor)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else { return nil }
        connection.setTimeout(timeout)
        return connection
    }

    /// Sets the receive and send timeouts, in seconds.
    func setTimeout(_ seconds: Double) {
        var value = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - seconds.rounded(.down)) * 1_000_000))
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Sends one frame.
    /// - Throws: `CoreError` `.io` when the peer is gone or the send times out.
    func send(_ body: [UInt8]) throws {
        let frame = ControlMessage.frame(body)
        var sent = 0
        while sent < frame.count {
            let count = frame.withUnsafeBytes { raw in
                guard let base = raw.baseAddress else { return -1 }
                return Glibc.send(descriptor, base + sent, frame.count - sent, Int32(MSG_NOSIGNAL))
            }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw CoreError(.io, "the control socket closed or timed out while sending (errno \(errno))") }
            sent += count
        }
    }

    /// Receives one frame; nil when the peer closed the connection before a new frame.
    /// - Throws: `CoreError` `.io` on a timeout or a connection cut mid-frame, `.limitExceeded`
    ///   for a frame over ``ControlMessage/maximumFrame``.
    func receive() throws -> [UInt8]? {
        guard let header = try read(4, allowEnd: true) else { return nil }
        let length = header.reduce(0) { $0 << 8 | Int($1) }
        guard length <= ControlMessage.maximumFrame else {
            throw CoreError(.limitExceeded, "control frame of \(length) bytes is over the limit of \(ControlMessage.maximumFrame)")
        }
        return try read(length, allowEnd: false) ?? []
    }

    private func read(_ count: Int, allowEnd: Bool) throws -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        var received = 0
        while received < count {
            let result = bytes.withUnsafeMutableBytes { raw in
                guard let base = raw.baseAddress else { return -1 }
                return recv(descriptor, base + received, count - received, 0)
            }
            if result < 0 && errno == EINTR { continue }
            if result == 0 && received == 0 && allowEnd { return nil }
            guard result > 0 else { throw CoreError(.io, "the control socket closed or timed out while receiving (errno \(errno))") }
            received += result
        }
        return bytes
    }
}
