import LedgerConsent
import LedgerCore
import Testing

@Suite("Consent engine")
struct ConsentEngineTests {
    @Test("a child that arrives before its parent is a head until the parent arrives, then alone")
    func outOfOrderParents() {
        var engine = ConsentEngine()
        let v1 = Fx.version("v1", Fx.content())
        let v2 = Fx.version("v2", Fx.content(provision: Fx.denyAll, supersedes: ["v1"]), at: 2000)
        engine.ingest(v2)
        #expect(engine.heads(of: Fx.key) == [v2.id])
        engine.ingest(v1)
        #expect(engine.heads(of: Fx.key) == [v2.id])
        #expect(engine.conflicts().isEmpty)
        #expect(engine.versions(patient: Fx.patient).map(\.id) == [v1.id, v2.id])
    }

    @Test("duplicates are ignored and counted once")
    func duplicates() {
        var engine = ConsentEngine()
        let v1 = Fx.version("v1", Fx.content())
        let first = engine.ingest(v1), second = engine.ingest(v1)
        #expect(first)
        #expect(!second)
        #expect(engine.versionCount == 1)
    }

    @Test("a forgotten patient is as if never ingested, and ingesting it again restores the same answers")
    func forgetPatient() {
        var engine = ConsentEngine()
        engine.ingest(Fx.version("a", Fx.content(provision: Fx.permitAll), at: 3000))
        engine.ingest(Fx.version("b", Fx.content(status: .inactive), at: 2000))
        let conflicts = engine.conflicts(), versions = engine.versions(patient: Fx.patient)
        engine.forget(patient: Fx.patient)
        #expect(engine.versionCount == 0)
        #expect(engine.patientCount == 0)
        #expect(engine.conflicts().isEmpty)
        #expect(engine.versions(patient: Fx.patient).isEmpty)
        for version in versions { engine.ingest(version) }
        #expect(engine.versionCount == 2)
        #expect(engine.conflicts().map(\.heads) == conflicts.map(\.heads))
        #expect(engine.versions(patient: Fx.patient).map(\.id) == versions.map(\.id))
    }

    @Test("concurrent heads are listed as a conflict until a version supersedes them all")
    func conflictLifecycle() throws {
        var engine = ConsentEngine()
        engine.ingest(Fx.version("a", Fx.content(provision: Fx.permitAll), at: 3000))
        engine.ingest(Fx.version("b", Fx.content(status: .inactive), at: 2000))
        let conflict = try #require(engine.conflicts().first)
        #expect(conflict.heads == [Fx.id("a"), Fx.id("b")].sorted())
        #expect(conflict.summary.contains("withdraws"))
        engine.policy.rule = .latestWins
        #expect(engine.conflicts().first?.effective == [Fx.id("a")])
        engine.policy.rule = .denyOverrides
        let resolution = try engine.resolution(for: Fx.key)
        #expect(resolution.status == .inactive)
        #expect(resolution.supersedes == conflict.heads)
        let chosen = try engine.resolution(for: Fx.key, choosing: Fx.id("a"))
        #expect(chosen.status == .active)
        engine.ingest(RecordedConsentVersion(id: Fx.id("r"), time: HybridTimestamp(wallMillis: 4000, counter: 0), author: Fx.author, content: chosen))
        #expect(engine.conflicts().isEmpty)
        #expect(engine.check(Fx.request()).outcome == .permit)
    }

    @Test("resolving an unknown consent or choosing a non-head is refused")
    func resolutionErrors() {
        var engine = ConsentEngine()
        #expect(throws: ConsentError.self) { try engine.resolution(for: Fx.key) }
        engine.ingest(Fx.version("a", Fx.content()))
        engine.ingest(Fx.version("b", Fx.content(supersedes: ["a"])))
        #expect(throws: ConsentError.self) { try engine.resolution(for: Fx.key, choosing: Fx.id("a")) }
    }

    @Test("a deny-overrides resolution keeps the other heads' denials as exceptions")
    func mergedResolution() throws {
        var engine = ConsentEngine()
        engine.ingest(Fx.version("a", Fx.content(provision: Fx.permitWithNestedDeny), at: 3000))
        let psyDeny = ConsentProvision(type: .permit, provisions: [ConsentProvision(type: .deny, securityLabels: [Fx.label("PSY")])])
        engine.ingest(Fx.version("b", Fx.content(provision: psyDeny), at: 2000))
        let merged = try engine.resolution(for: Fx.key)
        engine.ingest(RecordedConsentVersion(id: Fx.id("m"), time: HybridTimestamp(wallMillis: 5000, counter: 0), author: Fx.author, content: merged))
        #expect(engine.conflicts().isEmpty)
        #expect(engine.check(Fx.request(classes: ["Observation", "PSY"])).outcome == .deny)
        #expect(engine.check(Fx.request(classes: ["Observation", "HIV"])).outcome == .deny)
        #expect(engine.check(Fx.request(classes: ["Observation"])).outcome == .permit)
    }

    @Test("ingesting a payload decodes it strictly and names the entry on failure")
    func ingestPayload() throws {
        var engine = ConsentEngine()
        let content = Fx.content(provision: Fx.permitWithNestedDeny)
        let added = try engine.ingest(entryId: Fx.id("e1"), time: HybridTimestamp(wallMillis: 1, counter: 0), author: Fx.author,
                                      payload: ConsentVersionPayload.encode(content))
        #expect(added)
        #expect(engine.version(Fx.id("e1"), patient: Fx.patient)?.content == content)
        do {
            try engine.ingest(entryId: Fx.id("e2"), time: HybridTimestamp(wallMillis: 1, counter: 0), author: Fx.author, payload: Array("{}".utf8))
            Issue.record("accepted an empty payload")
        } catch {
            #expect(error.versionId == Fx.id("e2").hex)
            #expect(error.path == "$.format")
        }
    }

    @Test("patients are resolved from pseudonyms or FHIR tokens, and bad input is refused without echo")
    func patientResolution() throws {
        let key = try FHIRFx.key()
        #expect(try key.resolve(patient: Fx.patient.hex) == Fx.patient)
        #expect(try key.resolve(patient: "urn:careledger:patient-pseudonym|\(Fx.patient.hex)") == Fx.patient)
        #expect(try key.resolve(patient: "urn:x|1") != key.resolve(patient: "urn:x|2"))
        #expect(try key.resolve(patient: "urn:x|1") == key.pseudonym(system: "urn:x", value: "1"))
        do {
            _ = try key.resolve(patient: "secret-mrn")
            Issue.record("accepted a bare identifier")
        } catch {
            #expect(!error.description.contains("secret-mrn"))
        }
        #expect(throws: ConsentError.self) { try PseudonymKey(bytes: [1, 2, 3]) }
    }
}
