@testable import LedgerNet
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import Testing

/// The idle and total clocks of Specs/sync-transport.md §7 on an event loop whose time only
/// moves when the test moves it: the exact moment each clock fires, checked without sleeping
/// and whatever the machine's load. The TCP tests check the same clocks are wired to sockets,
/// with values a loaded machine cannot trip by accident.
@Suite("Session clocks on a test-driven event loop")
struct TimeoutClockTests {
    /// A channel holding only a TimeoutHandler, its recorded error, and the handler itself.
    static func channel(idle: Double, total: Double) throws
        -> (EmbeddedChannel, TimeoutHandler, NIOLockedValueBox<TransportError?>) {
        let fired = NIOLockedValueBox<TransportError?>(nil)
        let handler = TimeoutHandler(idleTimeout: idle, exchangeTimeout: total, fired: fired)
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(handler)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return (channel, handler, fired)
    }

    static let justUnder = TimeAmount.nanoseconds(1)

    @Test("the idle clock fires exactly when the peer has been silent for the idle timeout while we wait")
    func idleClockFiresOnTime() throws {
        let (channel, handler, fired) = try Self.channel(idle: 2, total: 100)
        handler.setWaiting(true)
        channel.embeddedEventLoop.advanceTime(by: .seconds(2) - Self.justUnder)
        #expect(fired.withLockedValue { $0 } == nil)
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: Self.justUnder)
        #expect(fired.withLockedValue { $0 }?.code == .idleTimeout)
        #expect(!channel.isActive)
        #expect(throws: TransportError.self) { try channel.throwIfErrorCaught() }
    }

    @Test("every inbound byte restarts the idle clock, and it does not run while we are not waiting")
    func readsRestartTheIdleClock() throws {
        let (channel, handler, fired) = try Self.channel(idle: 2, total: 100)
        // Not waiting (we are busy, not the peer): no idle clock at all.
        channel.embeddedEventLoop.advanceTime(by: .seconds(10))
        #expect(fired.withLockedValue { $0 } == nil)
        handler.setWaiting(true)
        for _ in 0..<5 {
            channel.embeddedEventLoop.advanceTime(by: .milliseconds(1_500))
            try channel.writeInbound(ByteBuffer(bytes: [0]))
        }
        #expect(fired.withLockedValue { $0 } == nil, "7.5 s of a peer that sends a byte every 1.5 s")
        handler.setWaiting(false)
        channel.embeddedEventLoop.advanceTime(by: .seconds(10))
        #expect(fired.withLockedValue { $0 } == nil)
        #expect(channel.isActive)
        _ = try channel.finish()
    }

    @Test("the total clock fires at the exchange timeout from the start, however often the peer sends")
    func totalClockFiresOnTime() throws {
        let (channel, handler, fired) = try Self.channel(idle: 10, total: 30)
        handler.setWaiting(true)
        for _ in 0..<29 {
            channel.embeddedEventLoop.advanceTime(by: .seconds(1))
            try channel.writeInbound(ByteBuffer(bytes: [0]))
        }
        channel.embeddedEventLoop.advanceTime(by: .seconds(1) - Self.justUnder)
        #expect(fired.withLockedValue { $0 } == nil)
        channel.embeddedEventLoop.advanceTime(by: Self.justUnder)
        #expect(fired.withLockedValue { $0 }?.code == .exchangeTimeout)
        #expect(!channel.isActive)
    }
}
