import NIOConcurrencyHelpers
import NIOCore

/// Enforces the idle and total-exchange timeouts of a session (Specs/sync-transport.md §7).
///
/// Sits next to the socket (before the frame decoder), so it sees every inbound byte. The idle
/// clock runs only while the session task says it is waiting for the peer (`setWaiting`), and
/// is restarted by every inbound read: a peer that stalls mid-frame times out, while a server
/// busy verifying a large batch does not time out its patient peer. The total clock runs from
/// the moment the handler is added and also bounds a peer that dribbles one byte at a time or
/// never reads what we write. When a clock fires, the handler records the error in `fired`,
/// passes it down the pipeline (so the pending read throws it) and closes the channel.
final class TimeoutHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let idleTimeout: TimeAmount
    private let exchangeTimeout: TimeAmount
    /// The error of the clock that fired, if any; read by the session task.
    let fired: NIOLockedValueBox<TransportError?>
    private var context: ChannelHandlerContext?
    private var idleTimer: Scheduled<Void>?
    private var exchangeTimer: Scheduled<Void>?
    private var waiting = false

    init(idleTimeout: Double, exchangeTimeout: Double, fired: NIOLockedValueBox<TransportError?>) {
        self.idleTimeout = Self.timeAmount(seconds: idleTimeout)
        self.exchangeTimeout = Self.timeAmount(seconds: exchangeTimeout)
        self.fired = fired
    }

    /// `seconds` as a timer delay that cannot trap: NaN, infinite, negative and huge values are
    /// first bounded to `TransportConfiguration.timeoutRange` (at most a year, far below
    /// `Int64.max` nanoseconds).
    static func timeAmount(seconds: Double) -> TimeAmount {
        .nanoseconds(Int64(TransportConfiguration.boundedSeconds(seconds) * 1e9))
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let seconds = Double(exchangeTimeout.nanoseconds) / 1e9
        exchangeTimer = scheduleFire(after: exchangeTimeout, context: context,
                                     error: TransportError(.exchangeTimeout, "the session passed its total time limit of \(seconds) s"))
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimers()
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimers()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if waiting { armIdle(context: context) }
        context.fireChannelRead(data)
    }

    /// Starts (true) or stops (false) the idle clock; called on the event loop by the session task.
    func setWaiting(_ waiting: Bool) {
        self.waiting = waiting
        guard let context else { return }
        if waiting { armIdle(context: context) } else { idleTimer?.cancel(); idleTimer = nil }
    }

    private func armIdle(context: ChannelHandlerContext) {
        idleTimer?.cancel()
        let seconds = Double(idleTimeout.nanoseconds) / 1e9
        idleTimer = scheduleFire(after: idleTimeout, context: context,
                                 error: TransportError(.idleTimeout, "the peer sent nothing for \(seconds) s while we waited"))
    }

    private func scheduleFire(after delay: TimeAmount, context: ChannelHandlerContext, error: TransportError) -> Scheduled<Void> {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        return context.eventLoop.scheduleTask(in: delay) {
            let (handler, context) = loopBound.value
            handler.fire(error, context: context)
        }
    }

    private func fire(_ error: TransportError, context: ChannelHandlerContext) {
        let first = fired.withLockedValue { current -> Bool in
            guard current == nil else { return false }
            current = error
            return true
        }
        cancelTimers()
        guard first else { return }
        context.fireErrorCaught(error)
        context.close(promise: nil)
    }

    private func cancelTimers() {
        idleTimer?.cancel()
        exchangeTimer?.cancel()
        idleTimer = nil
        exchangeTimer = nil
    }
}
