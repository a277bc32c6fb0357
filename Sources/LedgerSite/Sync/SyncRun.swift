/// One sync, as `status` and `report` list them (history/sync.jsonl).
public struct SyncRun: Codable, Sendable, Equatable {
    /// The history file that keeps one line per sync run.
    public static let historyFile = "sync.jsonl"

    /// When it ended, RFC 3339 UTC.
    public var time: String
    /// `folder`, `tcp` (this site ran the sync) or `tcp-served` (this site's server answered).
    public var transport: String
    /// The folder, or the peer's name (its address when the session failed before it was known).
    public var peer: String
    /// Entries received.
    public var received: Int
    /// Entries sent.
    public var sent: Int
    /// Whether it succeeded.
    public var ok: Bool

    /// Creates a record of one sync run.
    public init(time: String, transport: String, peer: String, received: Int, sent: Int, ok: Bool) {
        self.time = time
        self.transport = transport
        self.peer = peer
        self.received = received
        self.sent = sent
        self.ok = ok
    }
}
