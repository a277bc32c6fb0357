import LedgerCore
import LedgerNet
import TestSupport
import Testing

/// Specs/sync-transport.md §7.3.1–7.3.2: a large reply is pulled and written a batch at a time,
/// and a session's conversation (with its buffers) is gone once the session ends.
@Suite("Bounded replies over TCP")
struct BoundedReplyTests {
    /// What the server's conversation saw, shared with the test.
    final class Tracker: Sendable {
        let pulls = NSLockedState(0)
        let largestStep = NSLockedState(0)
        /// The buffer the conversation holds; weakly watched to show it is released.
        let released = NSLockedState(false)
    }

    /// Something a conversation holds for its session: tells the tracker when it is freed.
    final class SessionBuffer {
        let tracker: Tracker
        init(tracker: Tracker) { self.tracker = tracker }
        deinit { tracker.released.withLock { $0 = true } }
    }

    /// Answers the initiator's one message with `total` messages, `perStep` at a time.
    struct Streamer: SyncConversation {
        let total: Int
        let perStep: Int
        let tracker: Tracker
        let buffer: SessionBuffer
        var sent = 0

        mutating func start() async throws -> ConversationStep { ConversationStep() }

        mutating func receive(_ message: [UInt8]) async throws -> ConversationStep { try await pull() }

        mutating func pull() async throws -> ConversationStep {
            let count = min(perStep, total - sent)
            let messages = (sent..<sent + count).map { index in [UInt8](repeating: UInt8(index % 251), count: 1_000) }
            sent += count
            tracker.pulls.withLock { $0 += 1 }
            tracker.largestStep.withLock { $0 = max($0, count) }
            return ConversationStep(send: messages, finished: sent == total, more: sent < total)
        }
    }

    /// Sends one message, then takes `expected` messages and finishes.
    struct Collector: SyncConversation {
        let expected: Int
        var received: [[UInt8]] = []

        mutating func start() async throws -> ConversationStep { ConversationStep(send: [[0x01]]) }

        mutating func receive(_ message: [UInt8]) async throws -> ConversationStep {
            received.append(message)
            return ConversationStep(finished: received.count == expected)
        }
    }

    @Test("a reply of 60 messages is pulled 5 at a time, arrives whole and in order, and the server frees the session's conversation")
    func replyIsPulledInBatches() async throws {
        let central = TestSite("central"), clinic = TestSite("clinic")
        let roster = TestRoster([central, clinic])
        let tracker = Tracker()
        let configuration = TCPSessionTests.configuration()
        let server = try await RunningServer.start(site: central, roster: roster, configuration: configuration) { _ in
            Streamer(total: 60, perStep: 5, tracker: tracker, buffer: SessionBuffer(tracker: tracker))
        }
        let client = SyncClient(configuration: configuration, staticKey: clinic.agreementKey, authorizer: roster.authorizer)
        let outcome = try await client.sync(host: "127.0.0.1", port: server.port) { _ in Collector(expected: 60) }
        let lines = try await server.stop()

        #expect(outcome.conversation.received.count == 60)
        #expect(outcome.conversation.received.enumerated().allSatisfy {
            $0.element.count == 1_000 && $0.element.first == UInt8($0.offset % 251)
        })
        #expect(tracker.pulls.withLock { $0 } == 12, "one step per 5 messages: the first from receive, 11 pulled")
        #expect(tracker.largestStep.withLock { $0 } == 5)
        #expect(lines.count == 1 && lines.first?.metadata["outcome"] == "ok")
        #expect(tracker.released.withLock { $0 }, "the server keeps nothing of a session once it ended")
    }
}
