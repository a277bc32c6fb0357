import LedgerCore
import Testing
import TestSupport
@testable import LedgerSync

/// One simulated site: its store, keys, clock and what it knows of its peers.
final class SimulatedSite {
    /// Keys only for sealed runs: key generation is slow in debug builds.
    let keys: SiteKeys?
    let store = MemorySite()
    let siteKey: Hash32
    /// Seal bundles in the full envelope (HPKE, Ed25519), or carry only the payload.
    let sealed: Bool
    var online = true
    var clock: UInt64 = 0
    var knowledge: [Hash32: PeerSummaryRecord] = [:]

    init(sealed: Bool, index: Int) {
        self.sealed = sealed
        keys = sealed ? SiteKeys() : nil
        siteKey = keys?.siteKey ?? Hash32(w0: UInt64(index), w1: 0, w2: 0, w3: 0)
    }

    func now() -> HybridTimestamp {
        clock += 1
        return HybridTimestamp(wallMillis: clock, counter: 0)
    }

    /// A bundle for `recipients`: items chosen from what this site last learned of each.
    func bundle(for recipients: [SimulatedSite], salt: [UInt8]) throws -> Carried.Bytes {
        let known = recipients.map { knowledge[$0.siteKey]?.snapshot }
        let ids = BundleContents.ids(from: store.set, lastKnown: known)
        let items = ids.map { SyncItem(id: $0, bytes: store.items[$0] ?? []) }
        let created = now()
        if let keys {
            return .sealed(try keys.writer().write(recipients: recipients.compactMap(\.keys?.recipient), created: created,
                                                   treeHead: store.set.rootHash.bytes, set: store.set, items: items,
                                                   nonce: salt, summaryRangeCount: 4))
        }
        let snapshot = SummarySnapshot(of: store.set, salt: salt, maxRangeCount: 4)
        return .payload(sender: siteKey, created: created,
                        BundlePayload.encode(treeHead: store.set.rootHash.bytes, snapshot: snapshot, items: items))
    }

    func receive(_ bytes: Carried.Bytes) throws {
        let record: PeerSummaryRecord
        switch bytes {
        case .sealed(let file):
            guard let keys else { throw SyncError(.notARecipient, "a payload-only site got a sealed bundle") }
            let result = try keys.reader().importBundle(file, set: store.set, verifier: HashCheckingVerifier(), store: store)
            record = result.senderSummary
        case .payload(let sender, let created, let payload):
            let messages = try BundlePayload.parse(payload, limits: SyncLimits()).messages
            let (summary, _) = try BundlePayload.apply(messages, fileName: nil, set: store.set, verifier: HashCheckingVerifier(),
                                                       store: store, limits: SyncLimits())
            record = PeerSummaryRecord(peer: sender, asOf: created, snapshot: summary)
        }
        knowledge[record.peer] = record.keepingNewer(knowledge[record.peer])
    }
}

/// A bundle in transit: on a stick, in a bag, possibly copied.
struct Carried {
    enum Bytes {
        /// A whole bundle file.
        case sealed([UInt8])
        /// The payload layer only (the envelope is covered by BundleTests).
        case payload(sender: Hash32, created: HybridTimestamp, [UInt8])
    }
    let bytes: Bytes
    let recipients: [Int]
}

@Suite("Convergence simulation")
struct ConvergenceSimulationTests {
    /// Runs one seeded history; returns a failure description or nil.
    static func simulate(seed: UInt64) throws -> String? {
        var rng = SeededGenerator(seed: seed)
        let siteCount = 5 + Int(rng.next() % 16)
        let sealed = seed % 8 == 0
        let sites = (0..<siteCount).map { SimulatedSite(sealed: sealed, index: $0) }
        var bag: [Carried] = []
        let steps = 40 + Int(rng.next() % 80)
        for _ in 0..<steps {
            let site = Int(rng.next() % UInt64(siteCount))
            switch rng.next() % 10 {
            case 0, 1, 2:  // appends
                if sites[site].online { sites[site].store.add(randomItems(1 + Int(rng.next() % 4), size: 24, using: &rng)) }
            case 3:  // go offline or come back
                sites[site].online.toggle()
            case 4, 5:  // write a bundle for one or more peers
                guard sites[site].online else { continue }
                var to = Set((0..<(1 + Int(rng.next() % 3))).map { _ in Int(rng.next() % UInt64(siteCount)) })
                to.remove(site)
                guard !to.isEmpty else { continue }
                let sorted = to.sorted()
                bag.append(Carried(bytes: try sites[site].bundle(for: sorted.map { sites[$0] }, salt: rng.bytes(16)), recipients: sorted))
            case 6, 7:  // deliver a random bundle; sometimes keep a copy (duplication)
                guard !bag.isEmpty else { continue }
                let index = Int(rng.next() % UInt64(bag.count))
                let carried = rng.next() % 3 == 0 ? bag[index] : bag.remove(at: index)
                for recipient in carried.recipients where sites[recipient].online {
                    try sites[recipient].receive(carried.bytes)
                }
            case 8:  // loss
                if !bag.isEmpty { bag.remove(at: Int(rng.next() % UInt64(bag.count))) }
            default:  // two online sites meet over a link
                let other = Int(rng.next() % UInt64(siteCount))
                guard other != site, sites[site].online, sites[other].online else { continue }
                let report = exchange(sites[site].store, sites[other].store, salt: rng.bytes(16))
                if let error = report.error { return "interactive exchange failed: \(error)" }
            }
        }
        // Stale bundles still in the bag arrive late, in random order.
        for site in sites { site.online = true }
        for carried in bag.shuffled(using: &rng) {
            for recipient in carried.recipients { try sites[recipient].receive(carried.bytes) }
        }
        // Final exchange through a hub (as a central site does): every site writes a bundle
        // for the hub, delivered in any order; then the hub writes one bundle to all others.
        let hub = Int(rng.next() % UInt64(siteCount))
        let others = (0..<siteCount).filter { $0 != hub }
        var inbound: [Carried.Bytes] = []
        for index in others { inbound.append(try sites[index].bundle(for: [sites[hub]], salt: rng.bytes(16))) }
        for bytes in inbound.shuffled(using: &rng) { try sites[hub].receive(bytes) }
        let outbound = try sites[hub].bundle(for: others.map { sites[$0] }, salt: rng.bytes(16))
        for index in others.shuffled(using: &rng) { try sites[index].receive(outbound) }
        let union = Set(sites.flatMap { $0.store.items.keys })
        for (index, site) in sites.enumerated() {
            if site.store.set.count != union.count { return "site \(index) holds \(site.store.set.count) of \(union.count) ids" }
            if site.store.set.rootHash != sites[0].store.set.rootHash { return "site \(index) has a different summary root" }
            if site.store.set.sortedIDs != union.sorted() { return "site \(index) holds a different set" }
        }
        return nil
    }

    @Test("5–20 sites with offline periods and lossy, duplicating, re-ordering carriers converge after a final exchange through a hub",
          arguments: 0..<8)
    func convergence(batch: Int) throws {
        let runsPerBatch = 32
        for run in 0..<runsPerBatch {
            let seed = UInt64(batch * runsPerBatch + run)
            let failure = try Self.simulate(seed: seed)
            #expect(failure == nil, "seed \(seed): \(failure ?? "")")
        }
    }
}
