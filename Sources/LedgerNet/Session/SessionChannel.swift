import NIOConcurrencyHelpers
import NIOCore

/// Builds a session's channel pipeline and hands the session task what it needs to drive it.
///
/// Pipeline, socket side first: `TimeoutHandler` → `ByteToMessageHandler(FrameDecoder)` →
/// `HandshakeProgressHandler` → `NIOAsyncChannel` handler. The async channel's inbound buffer holds at most two frames; when
/// it is full NIO stops reading the socket, so a fast peer cannot make us buffer without bound
/// (Specs/sync-transport.md §7.3). Outbound writes suspend while the socket is not writable.
struct SessionChannel: Sendable {
    /// The async wrapper the session task reads frames from and writes bytes to.
    let channel: NIOAsyncChannel<Frame, ByteBuffer>
    private let timeouts: NIOLoopBound<TimeoutHandler>
    /// The timeout that fired, if any.
    let fired: NIOLockedValueBox<TransportError?>
    /// Raised when the first frame decoded is a valid handshake message 1 (§7.4).
    let handshakeProgress: HandshakeProgress
    /// The peer's address captured when the channel was set up: a server's accepted socket
    /// knows it then, and it stays readable after the socket is closed (§9: every server log
    /// line names the remote address).
    private let capturedAddress: SocketAddress?

    /// Installs the handlers; must run on the channel's event loop (it does, via the future).
    static func configure(_ channel: any Channel, configuration: TransportConfiguration) -> EventLoopFuture<SessionChannel> {
        channel.eventLoop.makeCompletedFuture {
            let fired = NIOLockedValueBox<TransportError?>(nil)
            let timeoutHandler = TimeoutHandler(idleTimeout: configuration.idleTimeout,
                                                exchangeTimeout: configuration.exchangeTimeout, fired: fired)
            try channel.pipeline.syncOperations.addHandler(timeoutHandler)
            try channel.pipeline.syncOperations.addHandler(
                ByteToMessageHandler(FrameDecoder(maximumFrameLength: configuration.maximumFrameLength)))
            let progress = HandshakeProgress()
            try channel.pipeline.syncOperations.addHandler(HandshakeProgressHandler(progress: progress))
            let asyncChannel = try NIOAsyncChannel<Frame, ByteBuffer>(
                wrappingChannelSynchronously: channel,
                configuration: .init(backPressureStrategy: .init(lowWatermark: 1, highWatermark: 2)))
            return SessionChannel(channel: asyncChannel,
                                  timeouts: NIOLoopBound(timeoutHandler, eventLoop: channel.eventLoop),
                                  fired: fired, handshakeProgress: progress, capturedAddress: channel.remoteAddress)
        }
    }

    /// Starts or stops the idle clock (it runs only while we wait for the peer).
    func setWaiting(_ waiting: Bool) {
        let timeouts = self.timeouts
        timeouts.eventLoop.execute { timeouts.value.setWaiting(waiting) }
    }

    /// The peer's address as text, for logs and errors.
    var peerAddress: String {
        (capturedAddress ?? channel.channel.remoteAddress).map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? "unknown"
    }

    /// The peer's IP address without the port: the key of the per-address pending cap (§7.4).
    var peerHost: String {
        (capturedAddress ?? channel.channel.remoteAddress)?.ipAddress ?? "unknown"
    }

    /// Ends the session from outside its task with `error` as its outcome: records it as the
    /// fired error (unless a clock fired first) and closes the channel, so the session task's
    /// pending read fails and its log line carries this outcome (§7.4).
    func close(with error: TransportError) {
        fired.withLockedValue { current in
            if current == nil { current = error }
        }
        channel.channel.close(promise: nil)
    }
}
