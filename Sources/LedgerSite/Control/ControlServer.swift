import Dispatch
import Foundation
import LedgerCore
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The listening end of a site's control socket, run by `serve` (Specs/site-layout.md §8.3).
///
/// `control.sock` in the data folder, mode 0600: only the site's own user reaches it, as
/// only that user can read the site's key. The server holds the folder's writer lock, so a
/// socket file already there is stale (a server that was killed) and is replaced. Each
/// connection gets a thread (at most ``maximumConnections``; later ones wait in the listen
/// backlog); each request is handed to `handle`, which runs it on the ledger's one writer.
public final class ControlServer: @unchecked Sendable {  // `connections` and `stopped` are guarded by `lock`.
    /// Connections served at once.
    public static let maximumConnections = 16
    /// Seconds a client may take to send the rest of a frame, or to read a reply.
    public static let clientTimeout = 60.0

    /// Where the socket is.
    public let path: String
    private let listener: Int32
    private let handle: @Sendable (ControlMessage.AppendRequest) -> ControlMessage.Reply
    private let logger: Logger
    private let lock = NSLock()
    private let slots = DispatchSemaphore(value: ControlServer.maximumConnections)
    private var stopped = false

    /// Binds `control.sock` in the site folder and starts accepting on a thread of its own.
    /// - Parameters:
    ///   - handle: performs one request, blocking its caller until done; called from the
    ///     server's own threads (never the cooperative pool), one request at a time per
    ///     connection.
    /// - Throws: `CoreError` `.io` when the socket cannot be bound (a path too long for a
    ///   Unix socket address, a read-only folder).
    public static func start(
        layout: SiteLayout, logger: Logger,
        handle: @escaping @Sendable (ControlMessage.AppendRequest) -> ControlMessage.Reply
    ) throws -> ControlServer {
        let path = layout.controlSocket
        guard var address = UnixSocket.address(path) else {
            throw CoreError(.io, "the control socket path is too long for a Unix socket address", file: path)
        }
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw CoreError(.io, "cannot create the control socket (errno \(errno))", file: path) }
        unlink(path)  // stale: the caller holds the writer lock, so no live server owns it
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        // Mode 0600 before listen(): until then nobody can connect.
        guard bound == 0, chmod(path, 0o600) == 0, listen(descriptor, 64) == 0 else {
            let code = errno
            close(descriptor)
            unlink(path)
            throw CoreError(.io, "cannot listen on the control socket (errno \(code))", file: path)
        }
        let server = ControlServer(path: path, listener: descriptor, handle: handle, logger: logger)
        let thread = Thread { server.acceptLoop() }
        thread.name = "careledger.control"
        thread.start()
        return server
    }

    private init(path: String, listener: Int32, handle: @escaping @Sendable (ControlMessage.AppendRequest) -> ControlMessage.Reply,
                 logger: Logger) {
        self.path = path; self.listener = listener; self.handle = handle; self.logger = logger
    }

    /// Stops accepting and removes the socket file; connections being served finish.
    public func stop() {
        let first = lock.withLock {
            defer { stopped = true }
            return !stopped
        }
        guard first else { return }
        unlink(path)
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private var isStopped: Bool { lock.withLock { stopped } }

    private func acceptLoop() {
        while !isStopped {
            slots.wait()
            let descriptor = accept(listener, nil, nil)
            guard descriptor >= 0 else {
                slots.signal()
                if errno == EINTR || errno == ECONNABORTED { continue }
                if !isStopped { logger.error("control socket accept failed", metadata: ["errno": "\(errno)"]) }
                return
            }
            let connection = UnixSocket(descriptor: descriptor)
            connection.setTimeout(Self.clientTimeout)
            let thread = Thread { [self] in
                defer { slots.signal() }
                serve(connection)
            }
            thread.start()
        }
    }

    /// Answers the requests of one connection until the client closes it.
    private func serve(_ connection: UnixSocket) {
        do {
            while let body = try connection.receive() {
                let reply: ControlMessage.Reply
                do {
                    // On this connection's own thread, never the cooperative pool: a process whose
                    // pool threads are all busy still answers its control socket.
                    reply = handle(try ControlMessage.decodeRequest(body))
                } catch let error as CoreError {
                    reply = .refused(code: error.code.name, message: error.message)
                }
                try connection.send(ControlMessage.encode(reply))
            }
        } catch {
            logger.warning("control connection ended", metadata: ["error": "\(error)"])
        }
    }
}

