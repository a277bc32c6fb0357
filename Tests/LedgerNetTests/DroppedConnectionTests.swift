import LedgerCore
import LedgerNet
import LedgerNetTestSupport
import TestSupport
import Testing

@Suite("Dropped connections")
struct DroppedConnectionTests {
    @Test("a connection that drops mid-exchange ends the session and keeps what the server already merged")
    func droppedConnectionKeepsCommittedData() async throws {
        var generator = SeededGenerator(seed: 77)
        let central = TestSite("central"), clinic = TestSite("clinic")
        let roster = TestRoster([central, clinic])
        let serverStore = ItemSet(randomItems(10, using: &generator))
        let clientItems = randomItems(10, using: &generator)
        let configuration = TCPSessionTests.configuration()
        let server = try await RunningServer.start(site: central, roster: roster, configuration: configuration) { _ in
            SetUnionConversation(role: .responder, store: serverStore)
        }
        // Play the set-union initiator by hand, then vanish right after the server's answer.
        var peer = try await RawNoisePeer.connect(port: server.port, site: clinic, configuration: configuration)
        try await peer.write([try peer.seal(message: [0x01] + ItemSet(clientItems).digest.bytes)])
        #expect(try await peer.readRecord() == [0x01, 0x03]) // END record holding SEND_ALL
        try await peer.write([try peer.seal(message: [0x04] + clientItems.flatMap(\.bytes))])
        let missing = try #require(try await peer.readRecord())
        #expect(missing.count == 2 + 10 * 32) // END, MISSING, the server's 10 items
        try await peer.channel.close()
        let lines = try await server.stop()
        #expect(Set(clientItems).isSubset(of: serverStore.snapshot), "seed \(generator.seed)")
        #expect(serverStore.count == 20)
        #expect(lines.map { $0.metadata["outcome"] } == ["connection_closed"])
    }
}
