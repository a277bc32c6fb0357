import LedgerNet
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Raw TCP connections that never authenticate: the attacker of Specs/sync-transport.md §7.4.
///
/// Each connection comes from its own loopback address (127.0.0.0/8 all routes to `lo` on
/// Linux), so the test can tell the pending cap from the per-address cap. A trickling
/// connection writes one byte every `trickle` interval, never a whole frame.
final class UnauthenticatedFlood: Sendable {
    private let channels: [any Channel]

    private init(channels: [any Channel]) { self.channels = channels }

    /// Opens `count` connections to 127.0.0.1:`port` from `sources` in turn.
    static func open(count: Int, port: Int, sources: [String], trickle: TimeAmount?) async throws -> UnauthenticatedFlood {
        OpenFileLimit.raiseToHardLimit()
        var channels: [any Channel] = []
        for index in 0..<count {
            let source = try SocketAddress(ipAddress: sources[index % sources.count], port: 0)
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .bind(to: source)
                .connect(host: "127.0.0.1", port: port).get()
            if let trickle { scheduleTrickle(channel, every: trickle) }
            channels.append(channel)
        }
        return UnauthenticatedFlood(channels: channels)
    }

    /// How many of the connections the server has closed so far.
    var closedCount: Int { channels.filter { !$0.isActive }.count }

    /// Closes every connection still open.
    func close() async {
        for channel in channels where channel.isActive { try? await channel.close() }
    }

    private static func scheduleTrickle(_ channel: any Channel, every interval: TimeAmount) {
        // A frame header announcing 32,768 bytes, then its body one byte at a time: always a
        // valid frame in progress, never a complete one before the deadline.
        let header: [UInt8] = [0x00, 0x00, 0x80, 0x00]
        let sent = NIOLockedValueBox(0)
        channel.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { task in
            guard channel.isActive else { task.cancel(); return }
            let index = sent.withLockedValue { count -> Int in count += 1; return count - 1 }
            channel.writeAndFlush(ByteBuffer(bytes: [index < header.count ? header[index] : 0x01]), promise: nil)
        }
    }

    /// `count` distinct loopback source addresses starting at 127.0.`block`.2.
    static func loopbackSources(_ count: Int, block: Int) -> [String] {
        (0..<count).map { "127.0.\(block + ($0 + 2) / 250).\(($0 + 2) % 250 + 2)" }
    }
}
