import Foundation
import LedgerCore
import LedgerStorage
import LedgerSync
import StorageTestSupport
import Testing

/// Every disk state a crash could leave while a site writes tree heads, metadata, keys, peer
/// records, summaries and history: the crash-state replay of the storage tests, run on a
/// recorded trace of whole-site operations (issue 12, item 2).
@Suite("Crash-state replay of recorded site operations")
struct SiteCrashReplayTests {
    /// Something the site acknowledged, and the trace position where it did.
    enum Acknowledged {
        case entries([Entry])
        case head(SignedTreeHead)
        case peerHead(PeerTreeHeadRecord)
        case summary
        /// `foundNetwork` returned: the site exists.
        case site
    }

    /// A recorded run: the trace, its baseline, and what was acknowledged when.
    struct Recording {
        let name: String
        let events: [RecordingFileSystem.Event]
        let baseline: [String: [UInt8]]
        let baselineInodes: [Int: String]
        let acknowledged: [(at: Int, what: Acknowledged)]
        /// Whether the baseline already holds a complete site (every crash state must open).
        let siteInBaseline: Bool
    }

    /// Records the site workload (appends, an admission, tree heads, a peer's head and
    /// summary, a history line) on a copy of the fixture's founder.
    static func recordWorkload(_ fixture: SiteFaultFixture) throws -> Recording {
        let root = try ScratchFolder(prefix: "careledger-site-record")
        defer { root.remove() }
        try fixture.copyFounder(to: root.path + "/founder")
        let recorder = RecordingFileSystem(root: root.path)
        var acknowledged: [(at: Int, what: Acknowledged)] = []
        var headsSeen = 0
        try recordSession(root.path + "/founder", recorder, fixture, &acknowledged, &headsSeen)
        // Reopened (the first session's Merkle flush at close is in the trace): one more append.
        let site = try SiteLedger.open(at: root.path + "/founder", fileSystem: recorder)
        let third = try site.append(kind: "anchor", payloads: SiteFaultFixture.payloads("c", count: 2))
        acknowledged.append((recorder.count, .entries(third)))
        for head in site.treeHeads.dropFirst(headsSeen) { acknowledged.append((recorder.count, .head(head))) }
        return Recording(
            name: "site workload", events: recorder.events, baseline: recorder.baseline, baselineInodes: recorder.baselineFiles,
            acknowledged: acknowledged, siteInBaseline: true)
    }

    /// One session of the workload; the site closes (flushing its Merkle store) on return.
    static func recordSession(
        _ path: String, _ recorder: RecordingFileSystem, _ fixture: SiteFaultFixture,
        _ acknowledged: inout [(at: Int, what: Acknowledged)], _ headsSeen: inout Int
    ) throws {
        let site = try SiteLedger.open(at: path, fileSystem: recorder)
        func noteHeads() {
            for head in site.treeHeads.dropFirst(headsSeen) { acknowledged.append((recorder.count, .head(head))) }
            headsSeen = site.treeHeads.count
        }
        noteHeads()
        let first = try site.append(kind: "anchor", payloads: SiteFaultFixture.payloads("a", count: 3))
        acknowledged.append((recorder.count, .entries(first)))
        noteHeads()
        let admission = AdmitPayload(key: fixture.clinicKey, agreementKey: nil, name: "clinic-b", role: .clinic)
        let admitted = try site.admit(admission)
        acknowledged.append((recorder.count, .entries([admitted])))
        noteHeads()
        let record = try #require(try site.checkPeerTreeHead(fixture.clinicHead, from: fixture.clinicKey, sentAt: fixture.sentAt).record)
        try site.remember(record)
        acknowledged.append((recorder.count, .peerHead(record)))
        try site.keepPeerSummary(fixture.summary)
        acknowledged.append((recorder.count, .summary))
        try site.recordVerifyRun(site.verify())
        let second = try site.append(kind: "anchor", payloads: SiteFaultFixture.payloads("b", count: 2))
        acknowledged.append((recorder.count, .entries(second)))
        noteHeads()
    }

    /// Records founding a network: key file, genesis file, site.json, the genesis entry and the first head.
    static func recordFounding() throws -> Recording {
        let root = try ScratchFolder(prefix: "careledger-site-record")
        defer { root.remove() }
        let recorder = RecordingFileSystem(root: root.path)
        _ = try SiteLedger.foundNetwork(at: root.path + "/founder", siteName: "founder", networkName: "crash-net", fileSystem: recorder)
        return Recording(
            name: "founding", events: recorder.events, baseline: recorder.baseline, baselineInodes: recorder.baselineFiles,
            acknowledged: [(recorder.count, .site)], siteInBaseline: false)
    }

    /// Materialises one crash state and checks the site it holds, opened twice.
    static func check(_ state: CrashState, of recording: Recording, fixture: SiteFaultFixture) throws {
        let label = "\(recording.name): \(state)"
        let folder = try ScratchFolder(prefix: "careledger-site-crash")
        defer { folder.remove() }
        try state.materialise(recording.events, baseline: recording.baseline, baselineInodes: recording.baselineInodes, into: folder.path)
        let path = folder.path + "/founder"
        // The trace models names and bytes, not modes: the key and genesis files are created
        // 0600 from their first byte (exclusive create / temp file opened with that mode).
        for secret in [SiteLayout(root: path).keyFile, SiteLayout(root: path).genesis] where FileManager.default.fileExists(atPath: secret) {
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: secret)
        }
        guard let (entries, heads) = try checkFirstOpen(path, state: state, of: recording, fixture: fixture) else { return }
        try checkSecondOpen(path, label: label, entries: entries, headCount: heads)
    }

    /// Opens the crashed site and checks it; returns its entry and head counts, or nil when it holds no site yet.
    static func checkFirstOpen(_ path: String, state: CrashState, of recording: Recording, fixture: SiteFaultFixture) throws -> (Int, Int)? {
        let label = "\(recording.name): \(state)"
        let done = recording.acknowledged.filter { $0.at <= state.crashPoint }.map(\.what)
        let founded = recording.siteInBaseline || done.contains { if case .site = $0 { true } else { false } }
        let site: SiteLedger
        do {
            site = try SiteLedger.open(at: path)
        } catch let error as CoreError where !founded && error.code == .notASite {
            return nil  // the crash came before site.json named a complete site: nothing was acknowledged
        } catch {
            Issue.record("\(label): the crashed site does not open: \(error)")
            return nil
        }
        expectIntact(site.verify(), "\(label): verify after the crash")
        let heads = Set(site.treeHeads.map(\.encoded))
        for item in done {
            switch item {
            case .entries(let entries):
                for entry in entries {
                    #expect((try? site.entry(id: entry.id)) != nil, "\(label): acknowledged entry \(entry.id.hex) is missing")
                }
            case .head(let head):
                #expect(heads.contains(head.encoded), "\(label): acknowledged tree head of size \(head.treeSize) is missing")
            case .peerHead(let record):
                #expect((try? site.peerTreeHead(of: record.peer)) == record, "\(label): the acknowledged peer tree head is not kept")
            case .summary:
                #expect(site.storedPeerSummary(of: fixture.clinicKey) == fixture.summary, "\(label): the acknowledged summary is not kept")
            case .site:
                #expect(site.entryCount >= 1 && !site.treeHeads.isEmpty, "\(label): the founded site lacks its genesis entry or first head")
            }
        }
        // Nothing invented: every anchor is one the workload appended.
        let payloads = Set(["a", "b", "c"].flatMap { SiteFaultFixture.payloads($0, count: 3) })
        try site.forEachEntry { _, entry in
            if entry.kind == "anchor" { #expect(payloads.contains(entry.payload), "\(label): an anchor nobody appended") }
        }
        // A peer head not yet acknowledged is absent or the one being written, never a damaged file.
        #expect(throws: Never.self, "\(label): a damaged peer tree-head file") { _ = try site.peerTreeHead(of: fixture.clinicKey) }
        return (site.entryCount, site.treeHeads.count)
    }

    /// Opens the crashed site again: it repairs nothing more and serves the same.
    static func checkSecondOpen(_ path: String, label: String, entries: Int, headCount: Int) throws {
        let again = try SiteLedger.open(at: path)
        #expect(again.entryCount == entries && again.treeHeads.count == headCount, "\(label): the second open serves another site")
        expectIntact(again.verify(), "\(label): verify after the second open")
    }

    /// Expects no fault: torn, unsynced Merkle-store writes are recomputed from the log when
    /// the site opens for writing (the store's high-water mark, Specs/site-layout.md §2).
    static func expectIntact(_ report: VerifyReport, _ label: String) {
        guard !report.ok else { return }
        Issue.record("\(label): \(report.faults.map { "\($0.file)@\($0.offset) \($0.what)" })")
    }

    @Test("Every crash state of a site's appends, admission, tree heads, peer head, summary, history and founding reopens with everything acknowledged and nothing invented")
    func replayEveryCrashStateOfASite() throws {
        let fixture = try SiteFaultFixture()
        let recordings = [try Self.recordWorkload(fixture), try Self.recordFounding()]
        var total = 0
        var summary: [String] = []
        for recording in recordings {
            let states = CrashState.all(of: recording.events)
            for state in states { try Self.check(state, of: recording, fixture: fixture) }
            total += states.count
            summary.append("\(recording.name): \(states.count) (\(recording.events.count) events)")
        }
        print("site crash-state replay: \(total) crash states tried; " + summary.joined(separator: "; "))
        #expect(total >= 200)
    }
}
