import LedgerConsent
import LedgerCore
import Testing

/// One row of the decision table: versions on record, a policy, a request and the expected answer.
struct DecisionCase: CustomTestStringConvertible, Sendable {
    let name: String
    let versions: [RecordedConsentVersion]
    var policy = ConsentPolicy()
    var request = Fx.request()
    let outcome: AccessOutcome
    let basis: [String]
    let reason: String
    var emergency = false

    var testDescription: String { name }
}

private let periodJan = ConsentPeriod(start: Fx.jan2026 - 10 * Fx.day, end: Fx.jan2026 + 10 * Fx.day)

private func permit(period: ConsentPeriod? = nil) -> ConsentProvision {
    var p = Fx.permitWithNestedDeny
    p.period = period
    return p
}

private let optOut = ConsentPolicy(defaultAccess: .optOut)
private let optOutLatest = ConsentPolicy(rule: .latestWins, defaultAccess: .optOut)

/// v1, then a concurrent grant (narrow: clinic-b, treatment, Observations, no HIV) and revoke.
private let grantVersusRevoke = [
    Fx.version("v1", Fx.content(provision: permit())),
    Fx.version("grant", Fx.content(provision: permit(), supersedes: ["v1"]), at: 3000),
    Fx.version("revoke", Fx.content(status: .inactive, supersedes: ["v1"]), at: 2000),
]

/// `grantVersusRevoke` plus the deny-overrides resolution an opt-out network's engine writes.
private let grantVersusRevokeResolvedOptOut: [RecordedConsentVersion] = {
    var engine = ConsentEngine(policy: optOut)
    for v in grantVersusRevoke { engine.ingest(v) }
    // A missing resolution makes the rows below fail (an empty provision decides nothing).
    let content = (try? engine.resolution(for: Fx.key)) ?? Fx.content(provision: nil, supersedes: ["grant", "revoke"])
    return grantVersusRevoke + [Fx.version("resolved", content, at: 4000)]
}()

let decisionCases: [DecisionCase] = [
    DecisionCase(name: "a matching permit permits", versions: [Fx.version("v1", Fx.content(provision: permit()))],
                 outcome: .permit, basis: ["v1"], reason: "permitted by the consent's provision"),
    DecisionCase(name: "an expired period does not permit", versions: [Fx.version("v1", Fx.content(provision: permit(period: periodJan)))],
                 request: Fx.request(at: Fx.jan2026 + 11 * Fx.day), outcome: .deny, basis: ["v1"], reason: "consent period expired"),
    DecisionCase(name: "a period not yet started does not permit", versions: [Fx.version("v1", Fx.content(provision: permit(period: periodJan)))],
                 request: Fx.request(at: Fx.jan2026 - 11 * Fx.day), outcome: .deny, basis: ["v1"], reason: "not yet started"),
    DecisionCase(name: "a check inside the period permits", versions: [Fx.version("v1", Fx.content(provision: permit(period: periodJan)))],
                 request: Fx.request(at: Fx.jan2026 + 10 * Fx.day), outcome: .permit, basis: ["v1"], reason: "permitted"),
    DecisionCase(name: "a nested deny inside a permit denies the labelled data", versions: [Fx.version("v1", Fx.content(provision: permit()))],
                 request: Fx.request(classes: ["Observation", "HIV"]), outcome: .deny, basis: ["v1"], reason: "nested provision (exception to a permit)"),
    DecisionCase(name: "an actor mismatch denies", versions: [Fx.version("v1", Fx.content(provision: permit()))],
                 request: Fx.request(actor: "Organization/clinic-z"), outcome: .deny, basis: ["v1"], reason: "no provision covers this actor"),
    DecisionCase(name: "a purpose mismatch denies", versions: [Fx.version("v1", Fx.content(provision: permit()))],
                 request: Fx.request(purpose: "HRESCH"), outcome: .deny, basis: ["v1"], reason: "no provision covers this purpose"),
    DecisionCase(name: "a class mismatch denies", versions: [Fx.version("v1", Fx.content(provision: permit()))],
                 request: Fx.request(classes: ["MedicationRequest"]), outcome: .deny, basis: ["v1"], reason: "no provision covers this data class"),
    DecisionCase(name: "consent for treatment covers emergency treatment", versions: [Fx.version("v1", Fx.content(provision: permit()))],
                 request: Fx.request(purpose: "ETREAT"), outcome: .permit, basis: ["v1"], reason: "permitted"),
    DecisionCase(name: "an entered-in-error version is ignored", versions: [Fx.version("v1", Fx.content(status: .enteredInError, provision: permit()))],
                 outcome: .deny, basis: ["v1"], reason: "no applicable consent: consent entered in error"),
    DecisionCase(name: "an entered-in-error version superseding a permit leaves no consent",
                 versions: [Fx.version("v1", Fx.content(provision: permit())),
                            Fx.version("v2", Fx.content(status: .enteredInError, provision: permit(), supersedes: ["v1"]), at: 2000)],
                 outcome: .deny, basis: ["v2"], reason: "entered in error"),
    DecisionCase(name: "an inactive version withdraws the consent",
                 versions: [Fx.version("v1", Fx.content(provision: permit())),
                            Fx.version("v2", Fx.content(status: .inactive, provision: permit(), supersedes: ["v1"]), at: 2000)],
                 outcome: .deny, basis: ["v2"], reason: "no applicable consent: consent withdrawn"),
    DecisionCase(name: "a draft is not in force", versions: [Fx.version("v1", Fx.content(status: .draft, provision: permit()))],
                 outcome: .deny, basis: ["v1"], reason: "not in force"),
    DecisionCase(name: "a concurrent revoke beats a grant under deny-overrides",
                 versions: [Fx.version("v1", Fx.content(provision: permit())),
                            Fx.version("grant", Fx.content(provision: Fx.permitAll, supersedes: ["v1"]), at: 3000),
                            Fx.version("revoke", Fx.content(status: .inactive, supersedes: ["v1"]), at: 2000)],
                 outcome: .deny, basis: ["revoke"], reason: "deny-overrides over 2 concurrent versions"),
    DecisionCase(name: "a concurrent deny beats a permit under deny-overrides",
                 versions: [Fx.version("grant", Fx.content(provision: Fx.permitAll), at: 3000),
                            Fx.version("deny", Fx.content(provision: Fx.denyAll), at: 2000)],
                 outcome: .deny, basis: ["deny"], reason: "denied by the consent's provision"),
    DecisionCase(name: "the later grant wins under latest-wins",
                 versions: [Fx.version("grant", Fx.content(provision: Fx.permitAll), at: 3000),
                            Fx.version("revoke", Fx.content(status: .inactive), at: 2000)],
                 policy: ConsentPolicy(rule: .latestWins), outcome: .permit, basis: ["grant"], reason: "latest-wins over 2"),
    DecisionCase(name: "the later revoke wins under latest-wins",
                 versions: [Fx.version("grant", Fx.content(provision: Fx.permitAll), at: 2000),
                            Fx.version("revoke", Fx.content(status: .inactive), at: 3000)],
                 policy: ConsentPolicy(rule: .latestWins), outcome: .deny, basis: ["revoke"], reason: "withdrawn"),
    DecisionCase(name: "latest-wins breaks equal times by version id",
                 versions: [Fx.version("grant", Fx.content(provision: Fx.permitAll), at: 2000),
                            Fx.version("revoke", Fx.content(status: .inactive), at: 2000)],
                 policy: ConsentPolicy(rule: .latestWins),
                 outcome: Fx.id("grant") > Fx.id("revoke") ? .permit : .deny,
                 basis: [Fx.id("grant") > Fx.id("revoke") ? "grant" : "revoke"], reason: "latest-wins"),
    DecisionCase(name: "a resolution superseding both heads decides alone",
                 versions: [Fx.version("grant", Fx.content(provision: Fx.permitAll), at: 3000),
                            Fx.version("revoke", Fx.content(status: .inactive), at: 2000),
                            Fx.version("resolved", Fx.content(provision: Fx.permitAll, supersedes: ["grant", "revoke"]), at: 4000)],
                 outcome: .permit, basis: ["resolved"], reason: "permitted by the consent's provision"),
    DecisionCase(name: "no consent at all denies in an opt-in network", versions: [],
                 outcome: .deny, basis: [], reason: "no consent on record"),
    DecisionCase(name: "no consent at all permits in an opt-out network", versions: [],
                 policy: ConsentPolicy(defaultAccess: .optOut), outcome: .permit, basis: [], reason: "opt-out network"),
    DecisionCase(name: "an opt-out refusal denies in an opt-out network", versions: [Fx.version("v1", Fx.content(provision: Fx.denyAll))],
                 policy: ConsentPolicy(defaultAccess: .optOut), outcome: .deny, basis: ["v1"], reason: "denied"),
    DecisionCase(name: "a single withdrawal in an opt-out network falls back to the default permit",
                 versions: [Fx.version("v1", Fx.content(provision: Fx.denyAll)),
                            Fx.version("v2", Fx.content(status: .inactive, supersedes: ["v1"]), at: 2000)],
                 policy: optOut, outcome: .permit, basis: ["v2"], reason: "opt-out network, no applicable refusal: consent withdrawn"),
    DecisionCase(name: "a concurrent revoke beats a grant under deny-overrides in an opt-out network too",
                 versions: grantVersusRevoke, policy: optOut,
                 outcome: .deny, basis: ["revoke"], reason: "overrides a concurrent grant (deny-overrides over 2 concurrent versions)"),
    DecisionCase(name: "a concurrent revoke beats a grant by the same deny in an opt-in network",
                 versions: grantVersusRevoke,
                 outcome: .deny, basis: ["revoke"], reason: "consent withdrawn (status inactive), which overrides a concurrent grant"),
    DecisionCase(name: "outside the grant's scope a concurrent revoke leaves the opt-out default",
                 versions: grantVersusRevoke, policy: optOut, request: Fx.request(actor: "Organization/clinic-z"),
                 outcome: .permit, basis: ["revoke"], reason: "opt-out network, no applicable refusal: consent withdrawn"),
    DecisionCase(name: "a concurrent revoke and refusal deny under deny-overrides in an opt-out network",
                 versions: [Fx.version("refusal", Fx.content(provision: Fx.denyAll), at: 3000),
                            Fx.version("revoke", Fx.content(status: .inactive), at: 2000)],
                 policy: optOut, outcome: .deny, basis: ["refusal"], reason: "denied by the consent's provision"),
    DecisionCase(name: "the opt-out deny-overrides resolution of grant versus revoke still denies what the grant covered",
                 versions: grantVersusRevokeResolvedOptOut, policy: optOut,
                 outcome: .deny, basis: ["resolved"], reason: "denied by a nested provision"),
    DecisionCase(name: "the opt-out deny-overrides resolution of grant versus revoke permits what no head covered",
                 versions: grantVersusRevokeResolvedOptOut, policy: optOut, request: Fx.request(actor: "Organization/clinic-z"),
                 outcome: .permit, basis: ["resolved"], reason: "permitted by the consent's provision"),
    DecisionCase(name: "the later revoke of a grant falls back to the default under latest-wins in an opt-out network",
                 versions: [Fx.version("grant", Fx.content(provision: Fx.permitAll), at: 2000),
                            Fx.version("revoke", Fx.content(status: .inactive), at: 3000)],
                 policy: optOutLatest, outcome: .permit, basis: ["revoke"], reason: "opt-out network, no applicable refusal: consent withdrawn"),
    DecisionCase(name: "the later revoke of a refusal permits under latest-wins in an opt-out network",
                 versions: [Fx.version("refusal", Fx.content(provision: Fx.denyAll), at: 2000),
                            Fx.version("revoke", Fx.content(status: .inactive), at: 3000)],
                 policy: optOutLatest, outcome: .permit, basis: ["revoke"], reason: "latest-wins over 2"),
    DecisionCase(name: "the later refusal beats an earlier revoke under latest-wins in an opt-out network",
                 versions: [Fx.version("revoke", Fx.content(status: .inactive), at: 2000),
                            Fx.version("refusal", Fx.content(provision: Fx.denyAll), at: 3000)],
                 policy: optOutLatest, outcome: .deny, basis: ["refusal"], reason: "latest-wins over 2"),
    DecisionCase(name: "another patient's consent never applies", versions: [Fx.version("v1", Fx.content(provision: Fx.permitAll))],
                 request: Fx.request(patient: Fx.otherPatient), outcome: .deny, basis: [], reason: "no consent on record"),
    DecisionCase(name: "break-glass permits treatment despite a deny and flags it",
                 versions: [Fx.version("v1", Fx.content(provision: Fx.denyAll))],
                 request: Fx.request(purpose: "ETREAT", emergency: true), outcome: .permit, basis: ["v1"], reason: "break-glass", emergency: true),
    DecisionCase(name: "break-glass does not permit research",
                 versions: [Fx.version("v1", Fx.content(provision: Fx.denyAll))],
                 request: Fx.request(purpose: "HRESCH", emergency: true), outcome: .deny, basis: ["v1"], reason: "only for treatment", emergency: true),
    DecisionCase(name: "a newer version supersedes an older permit",
                 versions: [Fx.version("v1", Fx.content(provision: Fx.permitAll)),
                            Fx.version("v2", Fx.content(provision: Fx.denyAll, supersedes: ["v1"]), at: 500)],
                 outcome: .deny, basis: ["v2"], reason: "denied"),
    DecisionCase(name: "a version whose parent has not arrived still decides",
                 versions: [Fx.version("v2", Fx.content(provision: Fx.permitAll, supersedes: ["v1-missing"]))],
                 outcome: .permit, basis: ["v2"], reason: "permitted"),
    DecisionCase(name: "a deny in one consent beats a permit in another",
                 versions: [Fx.version("a1", Fx.content(provision: Fx.permitAll)),
                            Fx.version("b1", Fx.content(ConsentKey(patient: Fx.patient, consentId: "research"), scope: Fx.research,
                                                          provision: ConsentProvision(type: .deny, purposes: [Fx.purpose("HRESCH")])))],
                 request: Fx.request(purpose: "HRESCH"), outcome: .deny, basis: ["b1"], reason: "denied"),
    DecisionCase(name: "a data period permits data produced inside it",
                 versions: [Fx.version("v1", Fx.content(provision: ConsentProvision(type: .permit, dataPeriod: periodJan)))],
                 request: Fx.request(dataTime: Fx.jan2026), outcome: .permit, basis: ["v1"], reason: "permitted"),
    DecisionCase(name: "a data period does not permit data of unknown date",
                 versions: [Fx.version("v1", Fx.content(provision: ConsentProvision(type: .permit, dataPeriod: periodJan)))],
                 outcome: .deny, basis: ["v1"], reason: "data period"),
    DecisionCase(name: "an untyped nested provision is the opposite of its parent",
                 versions: [Fx.version("v1", Fx.content(provision: ConsentProvision(type: .permit, provisions: [ConsentProvision(securityLabels: [Fx.label("PSY")])])))],
                 request: Fx.request(classes: ["PSY"]), outcome: .deny, basis: ["v1"], reason: "nested"),
    DecisionCase(name: "a permit nested in a deny in a permit permits again",
                 versions: [Fx.version("v1", Fx.content(provision: ConsentProvision(type: .permit, provisions: [
                     ConsentProvision(type: .deny, securityLabels: [Fx.label("HIV")], provisions: [
                         ConsentProvision(type: .permit, actors: [Fx.actor("Organization/clinic-b")])])])))],
                 request: Fx.request(classes: ["HIV"]), outcome: .permit, basis: ["v1"], reason: "nested provision (exception to a deny)"),
]

@Suite("Access decisions")
struct DecisionTableTests {
    @Test("each decision-table row gets its expected answer", arguments: decisionCases)
    func row(_ c: DecisionCase) {
        var engine = ConsentEngine(policy: c.policy)
        for v in c.versions { engine.ingest(v) }
        let d = engine.decide(c.request)  // The full rule, break-glass included (LedgerSite records it).
        #expect(d.outcome == c.outcome, "\(d.reason)")
        #expect(d.basis == c.basis.map(Fx.id).sorted())
        #expect(d.reason.contains(c.reason), "reason was: \(d.reason)")
        #expect(d.emergency == c.emergency)
    }

    @Test("the answer does not depend on the order versions arrived in", arguments: decisionCases)
    func orderIndependent(_ c: DecisionCase) {
        var forward = ConsentEngine(policy: c.policy), backward = ConsentEngine(policy: c.policy)
        for v in c.versions { forward.ingest(v) }
        for v in c.versions.reversed() { backward.ingest(v); backward.ingest(v) }
        #expect(forward.check(c.request) == backward.check(c.request))
        #expect(forward.conflicts() == backward.conflicts())
    }
}
