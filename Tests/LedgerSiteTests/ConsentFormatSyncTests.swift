import Foundation
import LedgerConsent
import LedgerCore
import LedgerSite
import LedgerSync
import Testing

/// A site whose consent versions are all format 1 (written before format 3) and a site that
/// imports real-world Consents (format 3) exchange bundles both ways (Specs/consent.md §3.5).
@Suite("Consent payload formats across sites")
struct ConsentFormatSyncTests {
    /// Moves everything `from` has that `to` lacks, as a USB bundle would.
    static func deliver(_ sites: TwoSites, from: SiteLedger, to: SiteLedger, recipient: String, name: String) throws {
        let bundle = try from.writeBundle(to: [try from.member(recipient)])
        let path = sites.folder.path + "/\(name).clbundle"
        try BundleFiles.write(bundle.bytes, to: path)
        #expect(try BundleImporter.importFiles([path], into: to).rejected.isEmpty)
    }

    @Test("a format-1 site and a format-3 site sync both ways; the format-1 versions keep their bytes and ids and answer unchanged at both")
    func formatsSync() throws {
        let sites = try TwoSites()
        // The clinic holds a version written in format 1, byte for byte as earlier builds wrote it.
        var atClinic = try SiteConsent(sites.clinic)
        let imported = try FHIRConsentImporter(pseudonymKey: try sites.clinic.pseudonymKey()).read(TwoSites.consent(id: "c1", mrn: "mrn-1")) { _ in [] }
        var content = try #require(imported.first?.content)
        content.original = nil  // as a build before format 3 recorded it
        let payload = ConsentVersionPayload.encode(content)
        #expect(payload.starts(with: Array(#"{"category":"#.utf8)) && String(decoding: payload, as: UTF8.self).contains(#""format":1,"#))
        let oldEntry = try #require(try sites.clinic.append(kind: ConsentVersionPayload.kind, payloads: [payload]).first)
        atClinic = try SiteConsent(sites.clinic)
        let before = try atClinic.check(try TwoSites.request(atClinic, mrn: "mrn-1")).decision

        // The central site imports real-world Consents: format 3.
        var atCentral = try SiteConsent(sites.central)
        let corpus = ["NZ-SDHR-ConsentExampleRecordsWithheld.json", "IHE-PCF-ex-consent-basic-treat.json"]
        let written = try atCentral.importFHIR(try corpus.map { ($0, try CorpusManifest.bytes($0)) })
        for entry in written.entries {
            #expect(String(decoding: entry.payload, as: UTF8.self).contains(#""format":3,"#))
        }

        try Self.deliver(sites, from: sites.central, to: sites.clinic, recipient: "clinic", name: "to-clinic")
        try Self.deliver(sites, from: sites.clinic, to: sites.central, recipient: "central", name: "to-central")

        for site in [sites.central, sites.clinic] {
            let consent = try SiteConsent(site)
            #expect(consent.skipped.isEmpty, "this build reads every format")
            let entry = try #require(try site.entry(id: oldEntry.id))
            #expect(entry.payload == payload, "the format-1 payload keeps its bytes")
            let decision = try consent.check(try TwoSites.request(consent, mrn: "mrn-1")).decision
            #expect(decision.outcome == before.outcome && decision.basis == before.basis && decision.reason == before.reason)
            for entry in written.entries {
                #expect(try site.entry(id: entry.id) != nil)
            }
        }
        // A build that reads formats 1 and 2 only keeps the format-3 entries as opaque ones: its
        // strict decoder refuses them at $.format, as Specs/consent.md §3.3 says of newer formats.
        for entry in written.entries {
            let text = String(decoding: entry.payload, as: UTF8.self).replacingOccurrences(of: #""format":3,"#, with: #""format":2,"#)
            #expect(throws: ConsentError.self) { try ConsentVersionPayload.decode(Array(text.utf8)) }
        }
    }
}
