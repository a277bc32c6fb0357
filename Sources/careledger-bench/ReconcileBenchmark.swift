import ArgumentParser
import Crypto
import Foundation
import LedgerCore
import LedgerSync

/// `careledger-bench reconcile`: summary traffic and round trips of set reconciliation for
/// n = 10^4…10^6 ids and d = 0…1000 differences split both ways, beside the target
/// d × log2(n/d) × 32 bytes and the full-id-list baseline; then the time to export and
/// import a bundle of 100,000 items of ~400 bytes beside a plain copy-and-checksum baseline.
struct ReconcileBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Reconciliation traffic and round trips, and bundle export/import time (issue 5).")

    @Option(help: "Largest n to measure (10000, 100000 or 1000000).")
    var maxN: Int = 1_000_000

    @Option(help: "Trials per (n, d); each uses fresh differences and a fresh salt.")
    var trials: Int = 3

    @Option(help: "Items in the bundle export/import measurement.")
    var bundleItems: Int = 100_000

    @Flag(help: "End with one JSON object on the last line.")
    var json = false

    func run() throws {
        var rng = BenchRandom(seed: 2026)
        var rows: [[String: Any]] = []
        var builds: [String: Any] = [:]
        var insertMicros = 0.0
        print("n         d     summary_B  round_trips  target_B   ratio  full_list_B  item_B     ms")
        for n in [10_000, 100_000, 1_000_000] where n <= maxN {
            let ids = (0..<n).map { _ in rng.hash() }
            var start = DispatchTime.now().uptimeNanoseconds
            let base = ReconcilableSet(ids)
            let buildMs = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
            builds[String(n)] = (buildMs * 10).rounded() / 10
            // Incremental maintenance: 10,000 single inserts, each rehashing its path.
            var grown = base
            let extra = (0..<10_000).map { _ in rng.hash() }
            start = DispatchTime.now().uptimeNanoseconds
            for id in extra { grown.insert(id) }
            insertMicros = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e3 / 10_000
            print(String(format: "n=%d: set built in %.1f ms; one insert + rehash %.2f µs", n, buildMs, insertMicros))
            for d in [0, 1, 10, 100, 1_000] {
                var bytes = 0, itemBytes = 0, worstTrips = 0, millis = 0.0
                for _ in 0..<trials {
                    let onlyA = (0..<(d / 2)).map { _ in rng.hash() }
                    let onlyB = (0..<(d - d / 2)).map { _ in rng.hash() }
                    var a = base, b = base
                    a.insert(contentsOf: onlyA)
                    b.insert(contentsOf: onlyB)
                    let start = DispatchTime.now().uptimeNanoseconds
                    let report = try exchange(a, b, salt: rng.bytes(16))
                    millis += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
                    guard report.error == nil, report.initiator?.receivedCount == onlyB.count,
                          report.responder?.receivedCount == onlyA.count else {
                        throw ValidationError("n=\(n) d=\(d): reconciliation did not find exactly the difference (\(String(describing: report.error)))")
                    }
                    bytes += report.summaryBytes
                    itemBytes += report.itemBytes
                    worstTrips = max(worstTrips, report.roundTrips)
                }
                let mean = bytes / trials
                let target = d == 0 ? 0 : Int((Double(d) * log2(Double(n) / Double(d)) * 32).rounded())
                let ratio = target == 0 ? 0 : Double(mean) / Double(target)
                let row: [String: Any] = [
                    "n": n, "d": d, "summary_bytes": mean, "round_trips": worstTrips, "target_bytes": target,
                    "ratio_to_target": (ratio * 100).rounded() / 100, "full_id_list_bytes": 32 * n + 32 * d,
                    "item_frame_bytes": itemBytes / trials, "ms": (millis / Double(trials) * 10).rounded() / 10,
                ]
                rows.append(row)
                print(String(format: "%-9d %-5d %-10d %-12d %-10d %-6.2f %-12d %-10d %.1f", n, d, mean, worstTrips, target, ratio,
                             32 * n + 32 * d, itemBytes / trials, millis / Double(trials)))
            }
        }
        let bundle = try measureBundle(count: bundleItems, rng: &rng)
        print(String(format: "bundle of %d items (%d bytes, LZ4 + HPKE, entry checks skipped): export %.0f ms, import %.0f ms; baseline copy+SHA-256 %.0f ms",
                     bundleItems, bundle.bytes, bundle.exportMs, bundle.importMs, bundle.baselineMs))
        guard json else { return }
        func pick(_ n: Int, _ d: Int, _ key: String) -> Any { rows.first { $0["n"] as? Int == n && $0["d"] as? Int == d }?[key] ?? NSNull() }
        let largest = rows.compactMap { $0["n"] as? Int }.max() ?? 0
        let object: [String: Any] = [
            "in_sync_bytes": pick(largest, 0, "summary_bytes"), "in_sync_round_trips": pick(largest, 0, "round_trips"),
            "one_diff_bytes_1m": pick(1_000_000, 1, "summary_bytes"), "one_diff_round_trips_1m": pick(1_000_000, 1, "round_trips"),
            "table": rows, "set_build_ms": builds, "single_insert_us_at_largest_n": (insertMicros * 100).rounded() / 100,
            "bundle_items": bundleItems, "bundle_bytes": bundle.bytes, "bundle_export_ms": bundle.exportMs.rounded(),
            "bundle_import_ms": bundle.importMs.rounded(), "bundle_baseline_copy_sha256_ms": bundle.baselineMs.rounded(),
            "bundle_codec": "lz4 (items are random bytes, so it barely compresses; entry verification is not part of this figure: see careledger-bench bundle)",
        ]
        print(try sortedJSONLine(object))
    }

    /// One interactive exchange in memory; items are ids with empty bytes (summary traffic is measured).
    private func exchange(_ a: ReconcilableSet, _ b: ReconcilableSet, salt: [UInt8]) throws -> LoopbackExchange.Report {
        let storeA = CountingStore(), storeB = CountingStore()
        var initiator = SyncEndpoint(session: ReconcileSession(role: .initiator, set: a, verifier: AcceptAll()), provider: storeA, store: storeA)
        var responder = SyncEndpoint(session: ReconcileSession(role: .responder, set: b, verifier: AcceptAll()), provider: storeB, store: storeB)
        return LoopbackExchange.run(initiator: &initiator, responder: &responder, salt: salt)
    }

    private func measureBundle(count: Int, rng: inout BenchRandom) throws -> (bytes: Int, exportMs: Double, importMs: Double, baselineMs: Double) {
        let items = (0..<count).map { _ -> SyncItem in
            let bytes = rng.bytes(400)
            return SyncItem(id: Hash32(bytes: Array(SHA256.hash(data: bytes))) ?? .zero, bytes: bytes)
        }
        let set = ReconcilableSet(items.map(\.id))
        let sender = Curve25519.Signing.PrivateKey()
        let recipientKey = Curve25519.Signing.PrivateKey()
        let agreement = Curve25519.KeyAgreement.PrivateKey()
        let siteKey = Hash32(bytes: Array(recipientKey.publicKey.rawRepresentation)) ?? .zero
        let recipient = BundleRecipient(siteKey: siteKey, agreementKey: Array(agreement.publicKey.rawRepresentation))

        var start = DispatchTime.now().uptimeNanoseconds
        let ids = BundleContents.ids(from: set, lastKnown: [nil])
        let byID = Dictionary(uniqueKeysWithValues: items.map { ($0.id, $0) })
        let chosen = ids.compactMap { byID[$0] }
        let file = try BundleWriter(signingKey: sender, compressor: LZ4BundleCompressor())
            .write(recipients: [recipient], created: HybridTimestamp(wallMillis: 1, counter: 0), treeHead: [], set: set, items: chosen)
        let exportMs = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6

        start = DispatchTime.now().uptimeNanoseconds
        let store = CountingStore()
        let result = try BundleReader(siteKey: siteKey, agreementKey: agreement, compressor: LZ4BundleCompressor())
            .importBundle(file, set: ReconcilableSet(), verifier: AcceptAll(), store: store)
        var imported = ReconcilableSet()
        imported.insert(contentsOf: result.imported)
        let importMs = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        guard imported.rootHash == set.rootHash else { throw ValidationError("bundle import lost items") }

        // Baseline: concatenate the same items and checksum them, with no summary, crypto or framing.
        start = DispatchTime.now().uptimeNanoseconds
        var plain: [UInt8] = []
        plain.reserveCapacity(count * 432)
        for item in items { plain.append(contentsOf: item.id.bytes); plain.append(contentsOf: item.bytes) }
        let digest = SHA256.hash(data: plain)
        let baselineMs = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        _ = digest
        return (file.count, exportMs, importMs, baselineMs)
    }
}

/// Accepts every item: the benchmark measures the sync layer, not entry verification.
private struct AcceptAll: SyncItemVerifier {
    func verify(_ items: [SyncItem]) throws {}
}

/// A store that only counts, and a provider of empty item bytes.
private final class CountingStore: SyncItemStore, SyncItemProvider {
    var committed = 0
    func commit(_ items: [SyncItem]) throws { committed += items.count }
    func itemBytes(for id: Hash32) throws -> [UInt8]? { [] }
}
