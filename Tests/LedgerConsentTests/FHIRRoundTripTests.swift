import Foundation
import LedgerConsent
import LedgerCore
import Testing
import TestSupport

@Suite("FHIR R4 mapping")
struct FHIRRoundTripTests {
    @Test("import, export, import is the identity on the model", arguments: FHIRFx.sampleNames)
    func roundTrip(_ name: String) throws {
        let importer = FHIRConsentImporter(pseudonymKey: try FHIRFx.key())
        var engine = ConsentEngine()
        let first = try importer.read(try FHIRFx.sample(name), engine: engine)
        #expect(!first.isEmpty)
        let recorded = FHIRFx.record(first, into: &engine)
        let exported = FHIRConsentExporter.bundle(recorded)
        let second = try importer.read(exported, engine: ConsentEngine())
        #expect(second.map(\.content) == first.map(\.content))
        #expect(second.map(\.exportedVersionId) == recorded.map { Optional($0.id) })
        // And once more through the export: byte-identical.
        let again = second.enumerated().map { i, item in
            RecordedConsentVersion(id: recorded[i].id, time: recorded[i].time, author: recorded[i].author, content: item.content)
        }
        #expect(FHIRConsentExporter.bundle(again) == exported)
    }

    @Test("the patient identifier is pseudonymised and never reaches the model or the export")
    func pseudonymised() throws {
        let importer = FHIRConsentImporter(pseudonymKey: try FHIRFx.key())
        let imported = try importer.read(try FHIRFx.sample("permit-with-nested-deny.json"), engine: ConsentEngine())
        let expected = try FHIRFx.key().pseudonym(system: "urn:oid:2.16.840.1.113883.2.4.6.3", value: "sample-mrn-0001")
        #expect(imported[0].content.key.patient == expected)
        #expect(try FHIRFx.key().resolve(patient: "urn:oid:2.16.840.1.113883.2.4.6.3|sample-mrn-0001") == expected)
        var engine = ConsentEngine()
        let exported = String(decoding: FHIRConsentExporter.bundle(FHIRFx.record(imported, into: &engine)), as: UTF8.self)
        #expect(!exported.contains("sample-mrn-0001"))
        #expect(!String(describing: imported).contains("sample-mrn-0001"))
        #expect(exported.contains(expected.hex))
    }

    @Test("a Consent with a known logical id becomes a version superseding this site's heads")
    func reimportSupersedes() throws {
        let importer = FHIRConsentImporter(pseudonymKey: try FHIRFx.key())
        var engine = ConsentEngine()
        let grant = FHIRFx.record(try importer.read(try FHIRFx.sample("permit-with-nested-deny.json"), engine: engine), into: &engine)
        #expect(grant[0].content.supersedes.isEmpty)
        // A concurrent version from another site makes two heads.
        var other = grant[0].content
        other.supersedes = []
        other.status = .draft
        engine.ingest(RecordedConsentVersion(id: Fx.id("remote"), time: HybridTimestamp(wallMillis: 5, counter: 0), author: Fx.id("site-b"), content: other))
        #expect(engine.conflicts().count == 1)
        let revocation = try importer.read(try FHIRFx.sample("revocation.json"), engine: engine)
        #expect(revocation[0].content.key == grant[0].content.key)
        #expect(revocation[0].content.supersedes == [grant[0].id, Fx.id("remote")].sorted())
        _ = FHIRFx.record(revocation, into: &engine, startingAt: 10)
        #expect(engine.conflicts().isEmpty)
        let check = engine.check(Fx.request(classes: ["Observation"], at: Fx.jan2026 + 30 * Fx.day, patient: grant[0].content.key.patient))
        #expect(check.outcome == .deny)
        #expect(check.reason.contains("withdrawn"))
    }

    @Test("the sample consents decide as their narratives say")
    func samplesDecide() throws {
        let importer = FHIRConsentImporter(pseudonymKey: try FHIRFx.key())
        var engine = ConsentEngine()
        for name in ["permit-with-nested-deny.json", "research-time-bound.json", "consents-bundle.json"] {
            _ = FHIRFx.record(try importer.read(try FHIRFx.sample(name), engine: engine), into: &engine, startingAt: engine.versionCount)
        }
        let p1 = try FHIRFx.key().resolve(patient: "urn:oid:2.16.840.1.113883.2.4.6.3|sample-mrn-0001")
        let feb = try #require(FHIRDateTime.parse("2026-02-10T12:00:00Z"))
        #expect(engine.check(Fx.request(classes: ["Observation"], at: feb, patient: p1)).outcome == .permit)
        #expect(engine.check(Fx.request(classes: ["Observation", "HIV"], at: feb, patient: p1)).outcome == .deny)
        let study = Fx.request(actor: "Organization/malaria-study", purpose: "HRESCH", classes: ["Observation"], at: feb, patient: p1,
                               dataTime: FHIRDateTime.parse("2025-06-01"))
        #expect(engine.check(study).outcome == .permit)
        var late = study
        late.time = try #require(FHIRDateTime.parse("2027-01-01"))
        #expect(engine.check(late).outcome == .deny)
        let p2 = try FHIRFx.key().resolve(patient: "urn:oid:2.16.840.1.113883.2.4.6.3|sample-mrn-0002")
        #expect(engine.check(Fx.request(purpose: "TREAT", patient: p2)).outcome == .deny)
        #expect(engine.check(Fx.request(purpose: "ETREAT", patient: p2)).outcome == .permit)
    }

    @Test("FHIR dateTimes parse to exact instants and partial ends cover their whole span")
    func dateTimes() {
        #expect(FHIRDateTime.parse("2026-01-01") == Fx.jan2026)
        #expect(FHIRDateTime.parse("2026-01-01", roundUp: true) == Fx.jan2026 + Fx.day - 1)
        #expect(FHIRDateTime.parse("2026", roundUp: true) == FHIRDateTime.parse("2026-12-31T23:59:59.999Z"))
        #expect(FHIRDateTime.parse("2024-02", roundUp: true) == FHIRDateTime.parse("2024-02-29T23:59:59.999Z"))
        #expect(FHIRDateTime.parse("2026-01-01T02:00:00+02:00") == Fx.jan2026)
        #expect(FHIRDateTime.parse("2026-01-01T00:00:00.5Z") == Fx.jan2026 + 500)
        #expect(FHIRDateTime.format(Fx.jan2026 + 1) == "2026-01-01T00:00:00.001Z")
        #expect(FHIRDateTime.format(-1) == "1969-12-31T23:59:59.999Z")
        for bad in ["", "26", "2026-13", "2026-02-30", "2025-02-29", "2026-01-01T00:00Z", "2026-01-01T00:00:00", "2026-01-01T24:00:00Z",
                    "2026-01-01T00:00:00+15:00", "0000-01-01", "2026-01-01T00:00:00.Z", "2026-1-01"] {
            #expect(FHIRDateTime.parse(bad) == nil, "\(bad) should be rejected")
        }
        var rng = SeededGenerator(seed: 7)
        for _ in 0..<2000 {
            let t = Int64.random(in: FHIRDateTime.minMillis...FHIRDateTime.maxMillis, using: &rng)
            #expect(FHIRDateTime.parse(FHIRDateTime.format(t)) == t)
        }
    }
}
