import LedgerCore

/// Runs two endpoints against each other in memory, delivering every frame whole or
/// byte-split, and reports the traffic (tests, benchmark, and a model for transports).
public enum LoopbackExchange {
    /// Traffic of one exchange.
    public struct Report: Sendable {
        /// The initiator's outcome, or nil when it failed.
        public let initiator: SyncOutcome?
        /// The responder's outcome, or nil when it failed.
        public let responder: SyncOutcome?
        /// The first error either side hit.
        public let error: SyncError?
        /// Summary traffic both ways: every frame but ITEMS.
        public let summaryBytes: Int
        /// ITEMS traffic both ways.
        public let itemBytes: Int
        /// Round trips until both sides knew what to send and lack.
        public let roundTrips: Int
        /// HELLO/STEP flights exchanged in total.
        public let flights: Int
    }

    /// Runs the exchange to its end.
    /// - Parameter chunk: deliver bytes in pieces of this size (1 = byte at a time); nil = whole frames.
    public static func run(initiator: inout SyncEndpoint, responder: inout SyncEndpoint, salt: [UInt8], chunk: Int? = nil) -> Report {
        var toResponder = initiator.start(salt: salt)
        var toInitiator: [[UInt8]] = []
        func deliver(_ frames: [[UInt8]], to endpoint: inout SyncEndpoint) -> [[UInt8]] {
            var replies: [[UInt8]] = []
            for frame in frames {
                if let chunk {
                    var start = 0
                    while start < frame.count {
                        replies += endpoint.receive(frame[start..<min(frame.count, start + chunk)])
                        start += chunk
                    }
                } else {
                    replies += endpoint.receive(frame)
                }
            }
            return replies
        }
        var guardCount = 0
        while !(toResponder.isEmpty && toInitiator.isEmpty) && guardCount < 10_000 {
            guardCount += 1
            toInitiator += deliver(toResponder, to: &responder)
            toResponder = []
            toResponder += deliver(toInitiator, to: &initiator)
            toInitiator = []
        }
        let outcome = initiator.outcome ?? responder.outcome
        return Report(initiator: initiator.outcome, responder: responder.outcome,
                      error: initiator.error ?? responder.error,
                      summaryBytes: initiator.summaryBytesSent + responder.summaryBytesSent,
                      itemBytes: initiator.itemBytesSent + responder.itemBytesSent,
                      roundTrips: max(initiator.outcome?.roundTrips ?? 0, responder.outcome?.roundTrips ?? 0, outcome == nil ? 0 : 1),
                      flights: (initiator.outcome.map { $0.flightsSent + $0.flightsReceived }) ?? 0)
    }
}
