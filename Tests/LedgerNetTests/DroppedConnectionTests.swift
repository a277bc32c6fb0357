import LedgerNet
import TestSupport
import Testing

@Suite("Dropped connections")
struct DroppedConnectionTests {
    /// An initiator that hangs (as if the process froze) when the server's reply arrives.
    struct FreezingInitiator: SyncConversation {
        var inner: SetUnionConversation
        let gate: Gate

        mutating func start() async throws -> ConversationStep { try inner.start() }

        mutating func receive(_ message: [UInt8]) async throws -> ConversationStep {
            if message.first == 0x05 { await gate.enter() }
            return try inner.receive(message)
        }
    }

    @Test("a connection that drops mid-exchange ends the session and keeps what the server already merged")
    func droppedConnectionKeepsCommittedData() async throws {
        var generator = SeededGenerator(seed: 77)
        let central = TestSite("central"), clinic = TestSite("clinic")
        let roster = TestRoster([central, clinic])
        let serverStore = ItemSet(randomItems(10, using: &generator))
        let clientItems = randomItems(10, using: &generator)
        let server = try await RunningServer.start(site: central, roster: roster,
                                                   configuration: TCPSessionTests.configuration()) { _ in
            SetUnionConversation(role: .responder, store: serverStore)
        }
        let gate = Gate()
        // The client's total clock closes its socket while its conversation is frozen: to the
        // server this is a connection dropped after it merged and answered.
        let clientConfiguration = TransportConfiguration(networkID: testNetworkID, exchangeTimeout: 0.5)
        let client = SyncClient(configuration: clientConfiguration, staticKey: clinic.agreementKey,
                                authorizer: roster.authorizer)
        let port = server.port
        let syncing = Task {
            try await client.sync(host: "127.0.0.1", port: port) { _ in
                FreezingInitiator(inner: SetUnionConversation(role: .initiator, store: ItemSet(clientItems)), gate: gate)
            }
        }
        await gate.waitUntilEntered()
        let lines = try await server.stop() // returns once the server's session has seen the drop
        await gate.open()
        let result = await syncing.result
        #expect(throws: TransportError.self) { _ = try result.get() }
        #expect(Set(clientItems).isSubset(of: serverStore.snapshot), "seed \(generator.seed)")
        #expect(lines.map { $0.metadata["outcome"] } == ["connection_closed"])
    }
}
