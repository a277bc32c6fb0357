import Foundation
import LedgerConsent
import LedgerCore
import LedgerSite
import LedgerSync
import Testing

/// Collects progress events (tests only: one thread at a time).
final class ProgressLog: @unchecked Sendable {  // appended to from the calling thread only.
    var events: [SiteProgress] = []
    var handler: SiteProgressHandler { { self.events.append($0) } }
}

@Suite("Bundles through the library")
struct BundleImportTests {
    @Test("a bundle exported at one site is imported at another, and a second import stores nothing new")
    func exportThenImport() throws {
        let sites = try TwoSites()
        var consent = try SiteConsent(sites.central)
        _ = try consent.importFHIR([("a.json", TwoSites.consent(id: "c1", mrn: "mrn-1"))])
        let path = sites.folder.path + "/to-clinic.clbundle"
        let log = ProgressLog()
        let bundle = try sites.central.writeBundle(to: [try sites.central.member("clinic")], progress: log.handler)
        try BundleFiles.write(bundle.bytes, to: path)
        #expect(log.events.first == .begin(total: bundle.entries))
        #expect(log.events.last == .end)

        let importLog = ProgressLog()
        let first = try BundleImporter.importFiles([path], into: sites.clinic, progress: importLog.handler)
        #expect(first.rejected.isEmpty)
        #expect(first.bundles == 1)
        #expect(first.imported > 0)
        #expect(importLog.events.first == .begin(total: 1))
        #expect(importLog.events.contains(.describe("to-clinic.clbundle")))
        #expect(importLog.events.last == .end)
        let atClinic = try SiteConsent(sites.clinic)
        #expect(try atClinic.check(try TwoSites.request(atClinic, mrn: "mrn-1")).decision.outcome == .permit)

        let again = try BundleImporter.importFiles([path], into: sites.clinic)
        #expect(again.imported == 0)
        #expect(again.rejected.isEmpty)
    }

    @Test("a bundle addressed to another site is rejected with its code and changes nothing")
    func bundleForAnotherSiteIsRejected() throws {
        let sites = try TwoSites()
        let bundle = try sites.central.writeBundle(to: [try sites.central.member("clinic")])
        let path = sites.folder.path + "/to-clinic.clbundle"
        try BundleFiles.write(bundle.bytes, to: path)
        let before = sites.central.entryCount
        let outcome = try BundleImporter.importFiles([path, sites.folder.path + "/nope.clbundle"], into: sites.central)
        #expect(outcome.rejected.count == 2)
        #expect(outcome.rejected.last?.code == "unreadable")
        #expect(sites.central.entryCount == before)
    }

    @Test("an unknown member is a site error naming it")
    func unknownMember() throws {
        let sites = try TwoSites()
        let error = try #require(throws: SiteError.self) { try sites.central.member("nobody") }
        #expect(error.code == .unknownMember)
        #expect(error.message.contains("nobody"))
    }

    @Test("the folder mailbox carries a consent from central to the clinic in two passes")
    func folderMailbox() throws {
        let sites = try TwoSites()
        var consent = try SiteConsent(sites.central)
        _ = try consent.importFHIR([("a.json", TwoSites.consent(id: "c1", mrn: "mrn-1"))])
        let stick = sites.folder.path + "/stick"
        try FileManager.default.createDirectory(atPath: stick, withIntermediateDirectories: true)
        let out = try FolderSync.run(sites.central, folder: stick)
        #expect(out.bundlesWritten == 1)
        let back = try FolderSync.run(sites.clinic, folder: stick)
        #expect(back.bundlesRead == 1)
        #expect(back.rejected.isEmpty)
        let atClinic = try SiteConsent(sites.clinic)
        #expect(try atClinic.check(try TwoSites.request(atClinic, mrn: "mrn-1")).decision.outcome == .permit)
        let missing = try #require(throws: SiteError.self) { try FolderSync.run(sites.clinic, folder: stick + "/none") }
        #expect(missing.code == .unreadableInput)
    }

    @Test("status reads the members, entries and open conflicts through the library")
    func status() throws {
        let sites = try TwoSites()
        let status = try SiteStatus.read(sites.central) { _ in }
        #expect(status.site.name == "central")
        #expect(status.members.map(\.name).sorted() == ["central", "clinic"])
        #expect(status.entries == sites.central.entryCount)
        #expect(status.openConflicts == 0)
    }
}

@Suite("Bundle checks through the library")
struct BundleCheckTests {
    @Test("a later bundle carrying an older signed tree head of its sender is imported, and both heads are kept as rollback evidence")
    func rolledBackTreeHeadIsRejected() throws {
        let sites = try TwoSites()
        let oldHead = try sites.central.signTreeHead().encoded
        var consent = try SiteConsent(sites.central)
        _ = try consent.importFHIR([("a.json", TwoSites.consent(id: "c1", mrn: "mrn-1"))])
        let clinicMember = try sites.central.member("clinic")
        let newer = sites.folder.path + "/newer.clbundle", older = sites.folder.path + "/older.clbundle"
        try BundleFiles.write(try sites.central.writeBundle(to: [clinicMember]).bytes, to: newer)
        // The sender signs a bundle written later whose head is the older, smaller one.
        let agreement = try #require(clinicMember.agreementKey)
        let writer = BundleWriter(signingKey: sites.central.signingKeyForBundles, compressor: LZ4BundleCompressor())
        let bytes = try writer.write(recipients: [BundleRecipient(siteKey: clinicMember.key, agreementKey: agreement.bytes)],
                                     created: sites.central.currentTime(), treeHead: oldHead,
                                     set: try sites.central.reconcilableSet(), items: [])
        try BundleFiles.write(bytes, to: older)

        let first = try BundleImporter.importFiles([newer], into: sites.clinic)
        #expect(first.rejected.isEmpty)
        let second = try BundleImporter.importFiles([older], into: sites.clinic)
        #expect(second.rejected.isEmpty)
        #expect(second.bundles == 1)
        #expect(second.treeHeadEvidence.count == 1)
        let evidence = sites.clinic.rollbackEvidence()
        #expect(evidence.count == 1)
        #expect(evidence.first?.kind == .rollback)
        #expect(evidence.first?.peer == sites.central.siteKey)
        #expect(evidence.first?.isValidProof() == true)
        // The same bundle again adds no second record.
        _ = try BundleImporter.importFiles([older], into: sites.clinic)
        #expect(sites.clinic.rollbackEvidence().count == 1)
    }
}
