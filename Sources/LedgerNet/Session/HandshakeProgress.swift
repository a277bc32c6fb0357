import NIOConcurrencyHelpers
import NIOCore

/// The one-shot signal "this connection delivered a valid handshake message 1"
/// (Specs/sync-transport.md §7.4), raised on the event loop as the frame is decoded.
///
/// Why in the pipeline and not in the session task: under CPU load (or a flood of connections)
/// a session task may not run for a long time after its first frame has arrived; counting
/// progress only when the task reads the frame let a member be evicted as the oldest pending
/// connection although its message 1 had long arrived. Whichever comes second, the frame or
/// the server's ``whenRaised(_:)``, runs the action, so neither order loses the signal.
final class HandshakeProgress: Sendable {
    private enum State {
        case waiting
        case raised
        case armed(@Sendable () -> Void)
        case done
    }

    private let state = NIOLockedValueBox(State.waiting)

    /// Whether message 1 has arrived.
    var isRaised: Bool {
        state.withLockedValue { state in
            switch state {
            case .raised, .done: return true
            case .waiting, .armed: return false
            }
        }
    }

    /// Records that message 1 arrived; runs the armed action, if any, once.
    func raise() {
        let action: (@Sendable () -> Void)? = state.withLockedValue { state in
            switch state {
            case .waiting: state = .raised; return nil
            case .armed(let action): state = .done; return action
            case .raised, .done: return nil
            }
        }
        action?()
    }

    /// Runs `action` once message 1 has arrived: now if it already has.
    func whenRaised(_ action: @escaping @Sendable () -> Void) {
        let runNow: Bool = state.withLockedValue { state in
            switch state {
            case .waiting: state = .armed(action); return false
            case .raised: state = .done; return true
            case .armed, .done: return false
            }
        }
        if runNow { action() }
    }
}

/// Watches the first decoded frame of a connection and raises ``HandshakeProgress`` when it is
/// a HANDSHAKE frame the responder's Noise state accepts as message 1 (§4.2). Passes every frame
/// on unchanged; after the first it only forwards.
final class HandshakeProgressHandler: ChannelInboundHandler {
    typealias InboundIn = Frame
    typealias InboundOut = Frame

    private let progress: HandshakeProgress
    private var sawFirstFrame = false

    init(progress: HandshakeProgress) {
        self.progress = progress
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if !sawFirstFrame {
            sawFirstFrame = true
            let frame = unwrapInboundIn(data)
            if frame.kind == .handshake && NoiseXXHandshake.acceptsFirstMessage(frame.body) { progress.raise() }
        }
        context.fireChannelRead(data)
    }
}
