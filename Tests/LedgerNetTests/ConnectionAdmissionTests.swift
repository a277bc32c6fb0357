@testable import LedgerNet
import Testing

@Suite("Connection admission rules (no sockets)")
struct ConnectionAdmissionTests {
    @Test("a new connection is always taken in; a full pending cap evicts the oldest pending one")
    func pendingCapEvictsOldest() {
        var admission = ConnectionAdmission<Int>(maximumPending: 3, maximumPerAddress: 3, maximumSessions: 2)
        #expect(admission.accept(0, address: "a", handle: 0) == nil)
        #expect(admission.accept(1, address: "b", handle: 1) == nil)
        #expect(admission.accept(2, address: "c", handle: 2) == nil)
        #expect(admission.accept(3, address: "d", handle: 3) == 0)
        #expect(admission.accept(4, address: "e", handle: 4) == 1)
        #expect(admission.pendingCount == 3)
        #expect(admission.authenticate(0) == .gone)
        #expect(admission.authenticate(4) == .session)
    }

    @Test("a full per-address cap evicts that address's oldest, not another address's")
    func perAddressCapEvictsOwnOldest() {
        var admission = ConnectionAdmission<Int>(maximumPending: 10, maximumPerAddress: 2, maximumSessions: 2)
        _ = admission.accept(0, address: "member", handle: 0)
        _ = admission.accept(1, address: "flood", handle: 1)
        _ = admission.accept(2, address: "flood", handle: 2)
        for id in 3..<50 {
            #expect(admission.accept(id, address: "flood", handle: id) == id - 2)
            #expect(admission.pendingCount(from: "flood") == 2)
        }
        #expect(admission.authenticate(0) == .session)
    }

    @Test("pending connections never use session slots; members get busy only when members hold every slot")
    func sessionsCountOnlyAuthenticated() {
        var admission = ConnectionAdmission<Int>(maximumPending: 64, maximumPerAddress: 64, maximumSessions: 2)
        for id in 0..<64 { _ = admission.accept(id, address: "x\(id)", handle: id) }
        #expect(admission.sessionCount == 0)
        #expect(admission.authenticate(10) == .session)
        #expect(admission.authenticate(11) == .session)
        #expect(admission.authenticate(12) == .busy)
        admission.finish(10)
        #expect(admission.authenticate(13) == .session)
        #expect(admission.sessionCount == 2)
        #expect(admission.pendingCount == 60)
    }

    @Test("connections that sent a valid first handshake message are evicted only after those that sent nothing valid")
    func progressedConnectionsAreEvictedLast() {
        var admission = ConnectionAdmission<Int>(maximumPending: 3, maximumPerAddress: 2, maximumSessions: 2)
        _ = admission.accept(0, address: "member", handle: 0)
        admission.progressed(0)
        _ = admission.accept(1, address: "flood", handle: 1)
        _ = admission.accept(2, address: "member", handle: 2)
        #expect(admission.accept(3, address: "other", handle: 3) == 1)
        #expect(admission.accept(4, address: "member", handle: 4) == 2)
        admission.progressed(4)
        #expect(admission.accept(5, address: "member", handle: 5) == 0)
        #expect(admission.authenticate(4) == .session)
    }

    @Test("the deadline and authentication exclude each other: whichever comes first wins")
    func deadlineRacesAuthentication() {
        var admission = ConnectionAdmission<Int>(maximumPending: 4, maximumPerAddress: 4, maximumSessions: 4)
        _ = admission.accept(0, address: "a", handle: 0)
        _ = admission.accept(1, address: "a", handle: 1)
        #expect(admission.expire(0) == 0)
        #expect(admission.authenticate(0) == .gone)
        #expect(admission.authenticate(1) == .session)
        #expect(admission.expire(1) == nil)
        admission.finish(1)
        #expect(admission.sessionCount == 0 && admission.pendingCount == 0 && admission.pendingCount(from: "a") == 0)
    }

    @Test("limits out of range are clamped, and the per-address cap never exceeds the pending cap")
    func limitsAreClamped() {
        let limits = AdmissionLimits(handshakeTimeout: .nan, maximumPending: 0, maximumPendingPerAddress: 99)
        #expect(limits.handshakeTimeout == 5 && limits.maximumPending == 1 && limits.maximumPendingPerAddress == 1)
        #expect(AdmissionLimits(handshakeTimeout: .infinity).handshakeTimeout == 600)
        #expect(AdmissionLimits(handshakeTimeout: -1).handshakeTimeout == 0.05)
    }
}
