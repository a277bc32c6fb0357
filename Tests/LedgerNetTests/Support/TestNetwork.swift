import Crypto
import Foundation
import LedgerCore
import LedgerNet
import Logging
import TestSupport

/// A simulated member site: a name and its two keys.
struct TestSite: Sendable {
    let name: String
    let agreementKey: Curve25519.KeyAgreement.PrivateKey
    let signingKey: Hash32

    init(_ name: String) {
        self.name = name
        self.agreementKey = Curve25519.KeyAgreement.PrivateKey()
        self.signingKey = Hash32(bytes: Array(Curve25519.Signing.PrivateKey().publicKey.rawRepresentation)) ?? .zero
    }

    /// The proven key as the charter lists it.
    var agreementHash: Hash32 { Hash32(bytes: Array(agreementKey.publicKey.rawRepresentation)) ?? .zero }

    var identity: PeerIdentity {
        PeerIdentity(name: name, signingKey: signingKey, agreementKey: agreementHash, role: "clinic")
    }
}

/// A stand-in for the charter: admitted members, some of them revoked.
final class TestRoster: Sendable {
    private let state: NSLockedState<(admitted: [Hash32: PeerIdentity], revoked: Set<Hash32>)>

    init(_ sites: [TestSite], revoked: [TestSite] = []) {
        var admitted: [Hash32: PeerIdentity] = [:]
        for site in sites + revoked { admitted[site.agreementHash] = site.identity }
        state = NSLockedState((admitted, Set(revoked.map(\.agreementHash))))
    }

    /// The authorizer: admitted and not revoked.
    var authorizer: PeerAuthorizer {
        { [state] key, _ in
            state.withLock { roster in roster.revoked.contains(key) ? nil : roster.admitted[key] }
        }
    }
}

/// A value behind an NSLock, for test helpers shared across tasks.
final class NSLockedState<Value: Sendable>: @unchecked Sendable { // safe: `value` is only touched under `lock`
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock(); defer { lock.unlock() }
        return try body(&value)
    }
}

/// Captures log lines so tests can read the server's per-session records.
struct CapturingLogHandler: LogHandler {
    struct Line: Sendable {
        let level: Logger.Level
        let message: String
        let metadata: [String: String]
    }

    let lines: NSLockedState<[Line]>
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var flat: [String: String] = [:]
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) { flat[key] = "\(value)" }
        lines.withLock { $0.append(Line(level: event.level, message: "\(event.message)", metadata: flat)) }
    }
}

/// A running server with its task and captured log.
struct RunningServer {
    let server: SyncServer
    let task: Task<Void, any Error>
    let log: NSLockedState<[CapturingLogHandler.Line]>

    var port: Int { server.port }

    /// Session lines logged so far.
    var sessionLines: [CapturingLogHandler.Line] { log.withLock { $0 }.filter { $0.message == "sync session" } }

    /// Stops accepting, waits for in-flight sessions to end, returns the session lines.
    func stop() async throws -> [CapturingLogHandler.Line] {
        await server.shutdown()
        try await task.value
        return sessionLines
    }

    static func start(site: TestSite, roster: TestRoster, configuration: TransportConfiguration,
                      conversation: @escaping ConversationFactory) async throws -> RunningServer {
        let log = NSLockedState<[CapturingLogHandler.Line]>([])
        let logger = Logger(label: "test.server") { _ in CapturingLogHandler(lines: log) }
        let server = try await SyncServer.bind(host: "127.0.0.1", port: 0, configuration: configuration,
                                               staticKey: site.agreementKey, authorizer: roster.authorizer,
                                               logger: logger, conversation: conversation)
        // Off the cooperative pool, so that synchronous tests beside it cannot hold its sessions
        // back past their deadlines (NetworkTestExecutor).
        let task = Task(executorPreference: NetworkTestExecutor.shared) { try await server.run() }
        return RunningServer(server: server, task: task, log: log)
    }
}

/// Random 32-byte items from a seeded generator.
func randomItems(_ count: Int, using generator: inout some RandomNumberGenerator) -> [Hash32] {
    (0..<count).map { _ in Hash32(w0: generator.next(), w1: generator.next(), w2: generator.next(), w3: generator.next()) }
}

/// A network id for tests.
let testNetworkID = Hash32(w0: 0x6361_7265, w1: 1, w2: 2, w3: 3)
