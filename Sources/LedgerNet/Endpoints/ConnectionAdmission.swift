/// Who may hold a connection to the server, and who must go (Specs/sync-transport.md §7.4).
///
/// Why a pure state machine: the rules that keep unauthenticated strangers from locking members
/// out are easiest to get right, and to test exhaustively, without sockets. The server keeps
/// one of these behind a lock and acts on what it returns.
///
/// A connection is *pending* from accept until the Noise handshake and the authorizer have
/// both succeeded; then it asks for a *session* slot. Pending connections never use session
/// slots. A new connection is always taken in: when its address already holds
/// `maximumPerAddress` pending connections, one of those is evicted; otherwise, when
/// `maximumPending` are pending, one pending connection of all is evicted. The victim is the
/// oldest connection that has not yet delivered a valid first handshake message, or, when
/// every candidate has, the oldest candidate. So silent and trickling connections are always
/// evicted before a member whose first message has arrived, and a member is only ever pushed
/// out by `maximumPending` newer connections arriving within its own handshake.
struct ConnectionAdmission<Handle> {
    /// What to do with a connection that just authenticated.
    enum Decision: Equatable {
        /// It has a session slot now.
        case session
        /// Every session slot is taken by authenticated members: CLOSE(busy).
        case busy
        /// It was no longer pending (the deadline or an eviction closed it first).
        case gone
    }

    fileprivate struct Pending {
        let address: String
        let handle: Handle
        /// A valid first handshake message has arrived (§4.2): evicted only after those without.
        var progressed = false
    }

    let maximumPending: Int
    let maximumPerAddress: Int
    let maximumSessions: Int
    /// Pending connections by id; ids grow with accept order, so the smallest is the oldest.
    private var pending: [Int: Pending] = [:]
    private var pendingPerAddress: [String: Int] = [:]
    private var sessions: Set<Int> = []

    init(maximumPending: Int, maximumPerAddress: Int, maximumSessions: Int) {
        self.maximumPending = max(maximumPending, 1)
        self.maximumPerAddress = min(max(maximumPerAddress, 1), max(maximumPending, 1))
        self.maximumSessions = max(maximumSessions, 1)
    }

    /// The connections pending now.
    var pendingCount: Int { pending.count }
    /// The authenticated sessions running now.
    var sessionCount: Int { sessions.count }
    /// Pending connections that have delivered a valid first handshake message.
    var progressedCount: Int { pending.values.filter(\.progressed).count }
    /// Pending connections from `address` now.
    func pendingCount(from address: String) -> Int { pendingPerAddress[address, default: 0] }

    /// Takes in connection `id` from `address` as pending.
    /// - Returns: the handle of the connection it evicts, if any; the caller closes it.
    mutating func accept(_ id: Int, address: String, handle: Handle) -> Handle? {
        var victim: Int?
        if pendingPerAddress[address, default: 0] >= maximumPerAddress {
            victim = Self.victim(among: pending.filter { $0.value.address == address })
        } else if pending.count >= maximumPending {
            victim = Self.victim(among: pending)
        }
        let evicted = victim.flatMap { removePending($0) }
        pending[id] = Pending(address: address, handle: handle)
        pendingPerAddress[address, default: 0] += 1
        return evicted
    }

    /// Connection `id` delivered a valid first handshake message.
    mutating func progressed(_ id: Int) {
        pending[id]?.progressed = true
    }

    /// Connection `id` authenticated: moves it from pending to a session slot if one is free.
    mutating func authenticate(_ id: Int) -> Decision {
        guard removePending(id) != nil else { return .gone }
        guard sessions.count < maximumSessions else { return .busy }
        sessions.insert(id)
        return .session
    }

    /// Connection `id` passed its handshake deadline.
    /// - Returns: its handle if it was still pending (the caller closes it), else nil.
    mutating func expire(_ id: Int) -> Handle? {
        removePending(id)
    }

    /// Connection `id` ended, whatever state it was in.
    mutating func finish(_ id: Int) {
        _ = removePending(id)
        sessions.remove(id)
    }

    /// The oldest candidate without handshake progress, else the oldest candidate.
    private static func victim(among candidates: [Int: Pending]) -> Int? {
        candidates.filter { !$0.value.progressed }.keys.min() ?? candidates.keys.min()
    }

    private mutating func removePending(_ id: Int) -> Handle? {
        guard let entry = pending.removeValue(forKey: id) else { return nil }
        let left = pendingPerAddress[entry.address, default: 1] - 1
        pendingPerAddress[entry.address] = left > 0 ? left : nil
        return entry.handle
    }
}

extension ConnectionAdmission: Sendable where Handle: Sendable {}
extension ConnectionAdmission.Pending: Sendable where Handle: Sendable {}
