import Dispatch
import Foundation
import Logging
import Synchronization

/// The HTTP API's access log: one line per request (Specs/fhir-api.md §5), written in batches.
///
/// Why not a `Logger` call per request: swift-log's `StreamLogHandler` merges and sorts the
/// metadata into a new dictionary, formats the time with `localtime` and `strftime`, and
/// writes and flushes `stderr` for every line — several percent of the server's CPU per
/// consult (Specs/fhir-api.md §8). This writes the same line, byte for byte
/// (`TIME info LABEL: client=… method=… path=… status=… [LedgerHTTP] http request`), with the
/// time formatted once a second, into a buffer that one thread writes to the file at most
/// ``flushDelay`` after its first line (at once past ``flushThreshold`` bytes), and on
/// ``flush()`` (serve calls it when it stops).
public final class AccessLog: Sendable {
    /// The longest a line waits in the buffer.
    public static let flushDelay: DispatchTimeInterval = .milliseconds(10)
    /// Buffered bytes past which the line's writer writes the buffer itself.
    public static let flushThreshold = 64 << 10

    private struct State {
        var buffer: [UInt8] = []
        var flushScheduled = false
        var drainQueued = false
        /// The second `stamp` formats.
        var second: time_t = -1
        var stamp: [UInt8] = []
    }

    private let state = Mutex(State())
    /// `" info LABEL: client="`: everything between the time and the client's name.
    private let head: [UInt8]
    private let sink: @Sendable ([UInt8]) -> Void
    private let clock: @Sendable () -> time_t
    private let queue = DispatchQueue(label: "careledger.access-log")

    /// A log whose lines go to `sink` (serve: ``standardError(label:)``), timed by `clock`.
    /// - Parameter label: the logger's label the lines show (serve's `careledger.serve`).
    public init(label: String, clock: @escaping @Sendable () -> time_t = { time(nil) },
                sink: @escaping @Sendable ([UInt8]) -> Void) {
        head = Array(" \(Logger.Level.info)\(label.isEmpty ? "" : " ")\(label): client=".utf8)
        self.sink = sink
        self.clock = clock
    }

    /// A log writing to the process's standard error (file descriptor 2), as `StreamLogHandler.standardError` does.
    public static func standardError(label: String) -> AccessLog {
        AccessLog(label: label) { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = bytes.withUnsafeBytes { raw in
                    raw.baseAddress.map { write(2, $0 + offset, raw.count - offset) } ?? 0
                }
                if written > 0 {
                    offset += written
                } else if written < 0 && errno == EINTR {
                    continue
                } else {
                    return  // stderr closed or full: the lines are dropped, as a failed fwrite drops them
                }
            }
        }
    }

    /// Adds the line of one answered request: `client` is the token's name, `-` for public or refused requests.
    public func record(method: String, path: String, status: Int, client: String) {
        let now = clock()
        state.withLock { state in
            if state.second != now {
                state.second = now
                state.stamp = Self.timestamp(now)
            }
            state.buffer.append(contentsOf: state.stamp)
            state.buffer.append(contentsOf: head)
            state.buffer.append(contentsOf: client.utf8)
            state.buffer.append(contentsOf: " method=".utf8)
            state.buffer.append(contentsOf: method.utf8)
            state.buffer.append(contentsOf: " path=".utf8)
            state.buffer.append(contentsOf: path.utf8)
            state.buffer.append(contentsOf: " status=".utf8)
            state.buffer.append(contentsOf: String(status).utf8)
            state.buffer.append(contentsOf: " [LedgerHTTP] http request\n".utf8)
            if state.buffer.count >= Self.flushThreshold && !state.drainQueued {
                state.drainQueued = true
                queue.async { [self] in drain() }
            } else if !state.flushScheduled {
                state.flushScheduled = true
                queue.asyncAfter(deadline: .now() + Self.flushDelay) { [self] in drain() }
            }
        }
    }

    /// Writes every buffered line now (serve calls it when it stops).
    public func flush() {
        queue.sync { drain() }
    }

    /// On ``queue``: takes the buffer and writes it, so chunks reach the file in the order of their lines.
    private func drain() {
        let pending = state.withLock { state in
            state.flushScheduled = false
            state.drainQueued = false
            var taken: [UInt8] = []
            taken.reserveCapacity(state.buffer.capacity)
            swap(&taken, &state.buffer)
            return taken
        }
        if !pending.isEmpty { sink(pending) }
    }

    /// `2026-12-06T01:05:34+0000`: swift-log's `StreamLogHandler` time (local time, `strftime`'s `%Y-%m-%dT%H:%M:%S%z`).
    static func timestamp(_ seconds: time_t) -> [UInt8] {
        var seconds = seconds
        var local = tm()
        guard localtime_r(&seconds, &local) != nil else { return Array("<unknown>".utf8) }
        var buffer = [Int8](repeating: 0, count: 64)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &local)
        return buffer.prefix(count).map { UInt8(bitPattern: $0) }
    }
}
