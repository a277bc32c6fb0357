import Foundation
import LedgerNet
import NIOPosix
import TestSupport
import Testing

@Suite("Blocking conversations on a thread pool")
struct ThreadPoolConversationTests {
    /// A blocking set-union responder: counts the threads its steps ran on.
    struct BlockingResponder: BlockingSyncConversation {
        var inner: SetUnionConversation
        let threads: NSLockedState<Set<String>>

        mutating func start() throws -> ConversationStep { ConversationStep() }

        mutating func receive(_ message: [UInt8]) throws -> ConversationStep {
            threads.withLock { _ = $0.insert(Thread.currentName) }
            return try inner.receive(message)
        }
    }

    @Test("a blocking conversation's steps run on pool threads and the sync still converges")
    func blockingStepsRunOnThePool() async throws {
        var generator = SeededGenerator(seed: 11)
        let central = TestSite("central"), clinic = TestSite("clinic")
        let roster = TestRoster([central, clinic])
        let serverStore = ItemSet(randomItems(30, using: &generator))
        let clientStore = ItemSet(randomItems(30, using: &generator))
        let threads = NSLockedState<Set<String>>([])
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        let server = try await RunningServer.start(site: central, roster: roster,
                                                   configuration: TCPSessionTests.configuration()) { _ in
            ThreadPoolConversation(BlockingResponder(inner: SetUnionConversation(role: .responder, store: serverStore),
                                                     threads: threads), pool: pool)
        }
        _ = try await TCPSessionTests.sync(clinic, roster: roster, store: clientStore, port: server.port)
        let lines = try await server.stop()
        try await pool.shutdownGracefully()
        #expect(clientStore.snapshot == serverStore.snapshot, "seed \(generator.seed)")
        #expect(serverStore.count == 60)
        #expect(threads.withLock { $0 }.allSatisfy { $0.hasPrefix("TP-") })
        #expect(threads.withLock { $0.count } == 1)
        #expect(lines.first?.metadata["outcome"] == "ok")
    }
}

extension Thread {
    /// The current thread's name (NIO names pool threads "TP-#n").
    static var currentName: String { Thread.current.name ?? "" }
}
