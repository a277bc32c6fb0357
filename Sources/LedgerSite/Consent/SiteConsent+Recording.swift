import LedgerConsent
import LedgerCore

extension SiteConsent {
    /// The decision for `request` and the `access.decision` payload that records it, for a
    /// caller that writes many decisions in one commit (the HTTP API's group commit).
    ///
    /// The caller must have written the payload before it acts on or returns the decision:
    /// a break-glass permit exists only with its audit entry, as ``check(_:record:)`` ensures.
    public func decisionForRecording(_ request: AccessRequest) -> (decision: AccessDecision, payload: [UInt8]) {
        let decision = engine.decide(request)
        return (decision, AccessDecisionPayload.encode(decision))
    }
}
