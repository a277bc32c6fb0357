import Foundation
import LedgerCore
import LedgerStorage
import LedgerSync
import Testing

/// What a site workload was told is durable, checked against the folder after reopening it
/// with the real file system. A class, so the workload's closures can fill it in.
final class SiteScore {
    let label: String

    init(label: String) { self.label = label }

    /// Entries whose `append`/`admit` returned.
    var acknowledgedEntries: [Entry] = []
    /// Payloads of every anchor the workload tried to append (acknowledged or not).
    var attemptedPayloads: Set<[UInt8]> = []
    /// How many entries the workload tried to add.
    var attemptedCount = 0
    /// Tree heads the ledger holds in memory at the end: each one's write returned.
    var acknowledgedHeads: [SignedTreeHead] = []
    /// The peer tree-head record whose `remember` returned, and the one tried.
    var acknowledgedPeerHead: PeerTreeHeadRecord?
    var attemptedPeerHead: PeerTreeHeadRecord?
    /// Whether `keepPeerSummary` returned.
    var summaryKept = false
    /// Codes of the errors the calls threw.
    var failures: [String] = []

    /// Runs one call of the workload; a failure must be a `CoreError` of a disk failure.
    func call(_ what: String, _ body: () throws -> Void) {
        do {
            try body()
        } catch let error as CoreError {
            failures.append("\(what): \(error.code)")
            let expected: [CoreError.Code] = [.io, .noSpace, .damaged, .malformedFile, .truncated]
            #expect(expected.contains(error.code), "\(label): \(what) failed with an unexpected code: \(error)")
        } catch {
            failures.append("\(what): \(error)")
            Issue.record("\(label): \(what) threw \(error), not a CoreError")
        }
    }
}

/// A sequence of site operations that writes every kind of site file: segments, Merkle
/// levels, tree heads, a peer's tree-head record and summary, and a history line.
enum SiteWorkload {
    /// Opens the founder at `path` through `fileSystem` and runs the sequence, scoring each call.
    static func run(at path: String, fixture: SiteFaultFixture, fileSystem: any FileSystem, score: SiteScore) {
        var opened: SiteLedger?
        score.call("open") { opened = try SiteLedger.open(at: path, fileSystem: fileSystem) }
        guard let site = opened else { return }
        let first = SiteFaultFixture.payloads("a", count: 3)
        let second = SiteFaultFixture.payloads("b", count: 2)
        score.attemptedPayloads.formUnion(first + second)
        score.attemptedCount = first.count + second.count + 1
        score.call("append") { score.acknowledgedEntries += try site.append(kind: "anchor", payloads: first) }
        score.call("admit") {
            score.acknowledgedEntries.append(try site.admit(AdmitPayload(key: fixture.clinicKey, agreementKey: nil, name: "clinic-b", role: .clinic)))
        }
        score.call("sign tree head") { _ = try site.signTreeHead() }
        score.call("remember peer head") {
            guard let record = try site.checkPeerTreeHead(fixture.clinicHead, from: fixture.clinicKey, sentAt: fixture.sentAt).record else { return }
            score.attemptedPeerHead = record
            try site.remember(record)
            score.acknowledgedPeerHead = record
        }
        score.call("keep summary") {
            try site.keepPeerSummary(fixture.summary)
            score.summaryKept = true
        }
        score.call("record verify run") { try site.recordVerifyRun(site.verify()) }
        score.call("append") { score.acknowledgedEntries += try site.append(kind: "anchor", payloads: second) }
        score.call("sign tree head") { _ = try site.signTreeHead() }
        score.acknowledgedHeads = site.treeHeads
    }

    /// Reopens `path` with the real file system and checks it against `score`: it opens and
    /// verifies, holds every acknowledged entry, head, peer record and summary, and nothing
    /// that was never attempted.
    static func check(_ path: String, fixture: SiteFaultFixture, score: SiteScore) {
        let label = score.label
        let site: SiteLedger
        do {
            site = try SiteLedger.open(at: path)
        } catch {
            Issue.record("\(label): reopening with the real file system failed: \(error)")
            return
        }
        let report = site.verify()
        #expect(report.ok, "\(label): verify after reopening: \(report.faults.map(\.what))")
        for entry in score.acknowledgedEntries {
            #expect((try? site.entry(id: entry.id)) != nil, "\(label): acknowledged entry \(entry.id.hex) is missing")
        }
        #expect(site.entryCount <= fixture.preparedIDs.count + score.attemptedCount, "\(label): \(site.entryCount) entries, more than were ever appended")
        do {
            try site.forEachEntry { _, entry in
                if entry.kind == "anchor" {
                    #expect(score.attemptedPayloads.contains(entry.payload), "\(label): an anchor nobody appended")
                } else if !fixture.preparedIDs.contains(entry.id) {
                    #expect(entry.kind == SiteLedger.CharterKind.admit, "\(label): an entry of kind \(entry.kind) nobody appended")
                }
            }
        } catch {
            Issue.record("\(label): reading the entries failed: \(error)")
        }
        let heads = Set(site.treeHeads.map(\.encoded))
        for head in score.acknowledgedHeads {
            #expect(heads.contains(head.encoded), "\(label): acknowledged tree head of size \(head.treeSize) is missing")
        }
        do {
            let kept = try site.peerTreeHead(of: fixture.clinicKey)
            if let acknowledged = score.acknowledgedPeerHead {
                #expect(kept == acknowledged, "\(label): the acknowledged peer tree head is not kept")
            } else if let kept {
                #expect(kept == score.attemptedPeerHead, "\(label): a peer tree head nobody remembered")
            }
        } catch {
            Issue.record("\(label): the kept peer tree head does not read back: \(error)")
        }
        let summary = site.storedPeerSummary(of: fixture.clinicKey)
        if score.summaryKept {
            #expect(summary == fixture.summary, "\(label): the acknowledged peer summary is not kept")
        } else if let summary {
            #expect(summary == fixture.summary, "\(label): a peer summary nobody kept")
        }
    }
}
