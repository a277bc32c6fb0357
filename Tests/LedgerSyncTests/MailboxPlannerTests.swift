import LedgerCore
import Testing
@testable import LedgerSync

@Suite("The USB mailbox planner")
struct MailboxPlannerTests {
    let me = Hash32(hex: "aa" + String(repeating: "01", count: 31)) ?? .zero
    let bob = Hash32(hex: "bb" + String(repeating: "02", count: 31)) ?? .zero
    let carol = Hash32(hex: "cc" + String(repeating: "03", count: 31)) ?? .zero
    let t1 = HybridTimestamp(wallMillis: 1_000, counter: 0)
    let t2 = HybridTimestamp(wallMillis: 2_000, counter: 5)

    @Test("bundle names encode recipient, sender and time, and parse back")
    func namesRoundTrip() throws {
        let name = MailboxPlanner.fileName(to: bob, from: me, created: t2)
        #expect(name == "bb02020202020202-aa01010101010101-00000000000007d0-00000005.clbundle")
        let parsed = try MailboxPlanner.parse(fileName: name)
        #expect(parsed.created == t2 && parsed.toPrefix == "bb02020202020202" && parsed.fromPrefix == "aa01010101010101")
    }

    @Test("the plan imports what is addressed here, oldest first, writes one bundle per other member and supersedes old ones")
    func plansBothWays() {
        let toMeOld = MailboxPlanner.fileName(to: me, from: bob, created: t1)
        let toMeNew = MailboxPlanner.fileName(to: me, from: carol, created: t2)
        let mineOld = MailboxPlanner.fileName(to: bob, from: me, created: t1)
        let forOthers = MailboxPlanner.fileName(to: carol, from: bob, created: t1)
        let listing = [toMeNew, "README.txt", mineOld, forOthers, toMeOld, ".hidden.clbundle"]
        let plan = MailboxPlanner(siteKey: me).plan(listing: listing, members: [me, bob, carol, bob], created: t2)
        #expect(plan.incoming == [toMeOld, toMeNew])
        #expect(plan.outgoing.map(\.recipient) == [bob, carol])
        #expect(plan.outgoing.map(\.fileName) == [MailboxPlanner.fileName(to: bob, from: me, created: t2),
                                                  MailboxPlanner.fileName(to: carol, from: me, created: t2)])
        #expect(plan.superseded == [mineOld])
        #expect(Set(plan.ignored.map(\.name)) == ["README.txt", ".hidden.clbundle"])
        // --to restricts the outgoing bundles, and keeps bundles to others.
        let only = MailboxPlanner(siteKey: me).plan(listing: listing, members: [bob, carol], onlyTo: [carol], created: t2)
        #expect(only.outgoing.map(\.recipient) == [carol])
        #expect(only.superseded.isEmpty)
    }

    @Test("names with path tricks or control characters are rejected", arguments: [
        "", "../x.clbundle", "a/b.clbundle", "a\\b.clbundle", "..", ".clbundle", "x\u{0}.clbundle", "x\n.clbundle",
        "x\u{1b}[31m.clbundle", "x\u{7f}.clbundle", String(repeating: "a", count: 300),
        "bb02020202020202-aa01010101010101-00000000000007d0-00000005.clbundle/..",
        "BB02020202020202-aa01010101010101-00000000000007d0-00000005.clbundle",
        "bb02020202020202-aa01010101010101-00000000000007d0-00000005.txt",
        "bb02020202020202-aa01010101010101-7d0-00000005.clbundle",
    ])
    func unsafeNames(name: String) {
        #expect(throws: SyncError.self) { try MailboxPlanner.parse(fileName: name) }
        do { _ = try MailboxPlanner.parse(fileName: name) } catch { #expect(error.code == .unsafeFileName) }
    }
}
