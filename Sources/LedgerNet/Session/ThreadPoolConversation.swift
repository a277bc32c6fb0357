import NIOPosix

/// A conversation whose steps block (segment writes, fsync, index updates): synchronous
/// methods, run by `ThreadPoolConversation` on a thread pool.
///
/// Why: the sync state machine stores verified entries with blocking file I/O, which must stay
/// off NIO's event loops and off Swift's cooperative pool (two threads on a two-core machine:
/// one fsync there would stall every other session). Its metatype is sendable because the
/// steps are invoked from pool threads.
public protocol BlockingSyncConversation: SendableMetatype {
    /// As `SyncConversation.start()`, but may block.
    mutating func start() throws -> ConversationStep
    /// As `SyncConversation.receive(_:)`, but may block.
    mutating func receive(_ message: [UInt8]) throws -> ConversationStep
    /// Counters for the session's log line.
    var logSummary: [String: String] { get }
}

extension BlockingSyncConversation {
    /// No extra counters by default.
    public var logSummary: [String: String] { [:] }
}

/// Runs a `BlockingSyncConversation` one step at a time on a `NIOThreadPool`.
///
/// The session awaits each step, so the wrapped conversation is only ever touched by one
/// thread at a time; read it back with `base` once the session is over.
public struct ThreadPoolConversation<Base: BlockingSyncConversation>: SyncConversation {
    private let box: Box
    private let pool: NIOThreadPool

    /// Wraps `base`; its steps run on `pool` (e.g. `NIOThreadPool.singleton`).
    public init(_ base: Base, pool: NIOThreadPool = .singleton) {
        self.box = Box(base)
        self.pool = pool
    }

    /// The wrapped conversation, as its last step left it.
    public var base: Base { box.base }

    /// Runs `start()` on the pool.
    public mutating func start() async throws -> ConversationStep {
        let box = self.box
        return try await pool.runIfActive { try box.base.start() }
    }

    /// Runs `receive(_:)` on the pool.
    public mutating func receive(_ message: [UInt8]) async throws -> ConversationStep {
        let box = self.box
        return try await pool.runIfActive { try box.base.receive(message) }
    }

    /// The wrapped conversation's counters.
    public var logSummary: [String: String] { box.base.logSummary }

    /// Holds the conversation while steps hop to pool threads.
    private final class Box: @unchecked Sendable { // safe: the session awaits each step, so one thread at a time touches `base`
        var base: Base
        init(_ base: Base) { self.base = base }
    }
}
