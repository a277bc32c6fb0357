import ArgumentParser
import Crypto
import Dispatch
import Foundation
import LedgerConsent
import LedgerCore
import LedgerSite

/// `careledger-bench crypto`: bulk signing and verification beside one-core ceilings.
///
/// Ours: build N entries of one author, each linking to the previous, encode and hash them
/// in order, then sign on every core (`EntryBatch.sign`); then decode and verify every
/// encoded entry on every core (`EntryBatch.decodeAndVerify`). Ceilings: bare swift-crypto
/// Ed25519 sign and verify calls on the same signing messages, on one core, no encoding.
/// Efficiency = our rate / (cores × ceiling), the issue's "70% of 2x the one-core ceiling".
/// Then (unless `--no-ledger`) the same payloads through a real site ledger on disk:
/// `SiteLedger.append` in batches of `--batch` and `SiteLedger.verify`, against the same ceilings.
struct CryptoBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crypto",
        abstract: "Entry encode+hash+sign and decode+verify on every core, beside one-core swift-crypto ceilings.")

    @Option(name: .long, help: "How many entries to sign and verify (1000000 works; takes about a minute).")
    var entries: Int = 100_000

    @Option(name: .long, help: "How many messages the one-core ceilings are measured on (at most --entries).")
    var ceilingSample: Int = 20_000

    @Flag(name: .long, inversion: .prefixedNo, help: "Also append the payloads to a real site ledger on disk and verify it.")
    var ledger = true

    @Option(name: .long, help: "Entries per group commit in the site-ledger part (as `careledger append --batch`).")
    var batch: Int = 1000

    @Flag(name: .long, help: "Print one JSON object as the last line.")
    var json = false

    func validate() throws {
        guard entries > 0 else { throw ValidationError("--entries must be positive") }
        guard ceilingSample > 0 else { throw ValidationError("--ceiling-sample must be positive") }
        guard batch > 0 else { throw ValidationError("--batch must be positive") }
    }

    func run() throws {
        let keys = SiteKeys.generate()
        let network = Hash32.sha256(Array("bench-network".utf8))
        let payloads = Self.payloads(count: entries)
        let cores = EntryBatch.defaultParallelism
        let loadBefore = Self.loadAverage()

        // Ceilings, first pass (a second pass follows ours; the higher of the two counts,
        // so load from other processes cannot flatter our efficiency).
        let sample = min(ceilingSample, entries)
        let verifySample = max(1, sample / 2)
        let probe = try Self.ceilingMessages(sample, keys: keys, network: network)
        let firstCeilings = try Self.ceilings(probe, verifyCount: verifySample, keys: keys)

        // Ours, signing: build + encode + hash in order (each entry links to the previous id),
        // overlapped with signing on every core.
        let signCPUStart = Self.cpuSeconds(CLOCK_PROCESS_CPUTIME_ID)
        let signStart = DispatchTime.now()
        let signed = try EntryBatch.signChain(count: entries, with: keys) { i, previous in
            try EntryContent(
                networkID: network, author: keys.signingPublicKey, sequence: UInt64(i),
                links: previous.map { [$0] } ?? [],
                timestamp: HybridTimestamp(wallMillis: 1_764_000_000_000 + UInt64(i), counter: 0),
                kind: i % 3 == 0 ? AnchorPayload.kind : ConsentVersionPayload.kind, payload: payloads[i])
        }
        let signEnd = DispatchTime.now()
        let signCPU = Self.cpuSeconds(CLOCK_PROCESS_CPUTIME_ID) - signCPUStart

        // How long the in-order part alone takes (building, encoding, hashing), for the report.
        let hashStart = DispatchTime.now()
        var previous: Hash32?
        for entry in signed.prefix(min(entries, 100_000)) {
            let item = try EntryContent(
                networkID: network, author: entry.author, sequence: entry.sequence, links: previous.map { [$0] } ?? [],
                timestamp: entry.timestamp, kind: entry.kind, payload: entry.payload
            ).prepare()
            previous = item.id
        }
        let hashSeconds = Self.seconds(hashStart, DispatchTime.now()) * Double(entries) / Double(min(entries, 100_000))

        // Ours, verifying: decode (recomputing each id) and verify, in parallel.
        let records = signed.map(\.encoded)
        let verifyCPUStart = Self.cpuSeconds(CLOCK_PROCESS_CPUTIME_ID)
        let verifyStart = DispatchTime.now()
        let checks = EntryBatch.decodeAndVerify(records)
        let verifyEnd = DispatchTime.now()
        let verifyCPU = Self.cpuSeconds(CLOCK_PROCESS_CPUTIME_ID) - verifyCPUStart
        let valid = checks.reduce(0) { $0 + ($1.validEntry == nil ? 0 : 1) }
        guard valid == entries else {
            throw ValidationError("only \(valid) of \(entries) entries verified; the benchmark is broken")
        }

        // Ceilings, second pass, on messages of the entries just signed.
        let messages = signed.prefix(sample).map { EntrySignature.message(for: $0.id) }
        let secondCeilings = try Self.ceilings(messages, verifyCount: verifySample, keys: keys)
        let signCeiling = max(firstCeilings.sign, secondCeilings.sign)
        let verifyCeiling = max(firstCeilings.verify, secondCeilings.verify)
        // Per CPU-second: how much work ours spends per entry beyond the bare call, whatever
        // else runs on the machine (the wall-clock efficiency above is the issue's measure).
        let signCPUEfficiency = (Double(entries) / signCPU) / max(firstCeilings.signPerCPUSecond, secondCeilings.signPerCPUSecond)
        let verifyCPUEfficiency = (Double(entries) / verifyCPU) / max(firstCeilings.verifyPerCPUSecond, secondCeilings.verifyPerCPUSecond)

        let signSeconds = Self.seconds(signStart, signEnd)
        let verifySeconds = Self.seconds(verifyStart, verifyEnd)
        let signRate = Double(entries) / signSeconds
        let verifyRate = Double(entries) / verifySeconds
        let signEfficiency = signRate / (2 * signCeiling)
        let verifyEfficiency = verifyRate / (2 * verifyCeiling)
        let averageBytes = Double(records.reduce(0) { $0 + $1.count }) / Double(entries)

        // The same payloads through a real ledger (storage, Merkle tree, signed heads).
        let ledgerFigures = ledger ? try CryptoLedgerFigures.measure(payloads: payloads, batch: batch) : nil

        let loadAfter = Self.loadAverage()
        print("entries \(entries), \(Int(averageBytes)) bytes each on average, \(cores) cores, load average \(loadBefore) before and \(loadAfter) after (other processes share the cores)")
        print(Self.row("", "one-core ceiling/s", "ours/s", "ours/(2x ceiling)"))
        print(Self.row("sign", Self.fmt(signCeiling), Self.fmt(signRate), Self.pct(signEfficiency)))
        print(Self.row("verify", Self.fmt(verifyCeiling), Self.fmt(verifyRate), Self.pct(verifyEfficiency)))
        print("ours, signing: \(Self.fixed(signSeconds)) s in all; the in-order part (build, encode, hash) alone takes \(Self.fixed(hashSeconds)) s and overlaps the signing")
        print("ours, verifying: \(Self.fixed(verifySeconds)) s to decode, rehash and verify every entry")
        print("per CPU-second (independent of other load): sign \(Self.pct(signCPUEfficiency)), verify \(Self.pct(verifyCPUEfficiency)) of the bare calls; CPU used: \(Self.fixed(signCPU / signSeconds)) cores signing, \(Self.fixed(verifyCPU / verifySeconds)) verifying")
        if let ledgerFigures {
            print(Self.row("append", "(site ledger)", Self.fmt(ledgerFigures.appendPerSecond), Self.pct(ledgerFigures.appendPerSecond / (2 * signCeiling))))
            print(Self.row("verify", "(site ledger)", Self.fmt(ledgerFigures.verifyPerSecond), Self.pct(ledgerFigures.verifyPerSecond / (2 * verifyCeiling))))
            print("site ledger: SiteLedger.append in batches of \(batch) (group commit, Merkle tree, signed tree head each), then SiteLedger.verify of its \(ledgerFigures.entriesVerified) entries (blocks, signatures, links, heads)")
        }
        print("ceilings: bare swift-crypto calls on one core, \(sample) signs and \(verifySample) verifies of entry signing messages, best of two passes (before and after ours)")
        if json {
            var object: [String: Any] = [
                "entries": entries, "cores": cores, "ceiling_sign_sample": sample, "ceiling_verify_sample": verifySample,
                "avg_entry_bytes": averageBytes.rounded(),
                "sign_ceiling_per_s": signCeiling.rounded(), "verify_ceiling_per_s": verifyCeiling.rounded(),
                "sign_per_s": signRate.rounded(), "verify_per_s": verifyRate.rounded(),
                "sign_efficiency": (signEfficiency * 1000).rounded() / 1000,
                "verify_efficiency": (verifyEfficiency * 1000).rounded() / 1000,
                "sign_cpu_efficiency": (signCPUEfficiency * 1000).rounded() / 1000,
                "verify_cpu_efficiency": (verifyCPUEfficiency * 1000).rounded() / 1000,
                "sign_cores_used": signCPU / signSeconds, "verify_cores_used": verifyCPU / verifySeconds,
                "load_average_before": loadBefore, "load_average_after": loadAfter,
                "sign_seconds": signSeconds, "encode_hash_seconds": hashSeconds, "verify_seconds": verifySeconds,
            ]
            if let ledgerFigures {
                object["ledger_batch"] = batch
                object["ledger_append_per_s"] = ledgerFigures.appendPerSecond.rounded()
                object["ledger_verify_per_s"] = ledgerFigures.verifyPerSecond.rounded()
                object["ledger_append_efficiency"] = (ledgerFigures.appendPerSecond / (2 * signCeiling) * 1000).rounded() / 1000
                object["ledger_verify_efficiency"] = (ledgerFigures.verifyPerSecond / (2 * verifyCeiling) * 1000).rounded() / 1000
            }
            print(try sortedJSONLine(object))
        }
    }

    /// Signing messages of `count` entries like the benchmark's (for the first ceiling pass).
    static func ceilingMessages(_ count: Int, keys: SiteKeys, network: Hash32) throws -> [[UInt8]] {
        let payloads = payloads(count: count)
        return try (0..<count).map { i in
            let content = try EntryContent(
                networkID: network, author: keys.signingPublicKey, sequence: UInt64(i), links: [],
                timestamp: HybridTimestamp(wallMillis: UInt64(i), counter: 0), kind: AnchorPayload.kind, payload: payloads[i])
            return EntrySignature.message(for: content.id)
        }
    }

    /// Wall-clock rates and rates per CPU-second of the bare calls.
    struct Ceilings {
        var sign: Double, verify: Double, signPerCPUSecond: Double, verifyPerCPUSecond: Double
    }

    /// CPU seconds of this thread or process so far.
    static func cpuSeconds(_ clock: clockid_t) -> Double {
        var ts = timespec()
        clock_gettime(clock, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// One-core rates of bare swift-crypto Ed25519 sign and verify calls on `messages`.
    static func ceilings(_ messages: [[UInt8]], verifyCount: Int, keys: SiteKeys) throws -> Ceilings {
        let signCPUStart = cpuSeconds(CLOCK_THREAD_CPUTIME_ID)
        let signStart = DispatchTime.now()
        var signatures = [Data]()
        signatures.reserveCapacity(messages.count)
        for message in messages { signatures.append(try keys.signing.signature(for: message)) }
        let signRate = Double(messages.count) / seconds(signStart, DispatchTime.now())
        let signCPURate = Double(messages.count) / (cpuSeconds(CLOCK_THREAD_CPUTIME_ID) - signCPUStart)
        let publicKey = keys.signing.publicKey
        var ok = 0
        let verifyCPUStart = cpuSeconds(CLOCK_THREAD_CPUTIME_ID)
        let verifyStart = DispatchTime.now()
        for i in 0..<verifyCount where publicKey.isValidSignature(signatures[i], for: messages[i]) { ok += 1 }
        let verifyRate = Double(verifyCount) / seconds(verifyStart, DispatchTime.now())
        let verifyCPURate = Double(verifyCount) / (cpuSeconds(CLOCK_THREAD_CPUTIME_ID) - verifyCPUStart)
        guard ok == verifyCount else { throw ValidationError("a ceiling signature did not verify") }
        return Ceilings(sign: signRate, verify: verifyRate, signPerCPUSecond: signCPURate, verifyPerCPUSecond: verifyCPURate)
    }

    /// Consent- and audit-like canonical JSON payloads of about 300 bytes with hex hashes.
    static func payloads(count: Int) -> [[UInt8]] {
        (0..<count).map { i in
            let digest = Hash32.sha256(Array("record-\(i)".utf8)).hex
            let patient = Hash32.sha256(Array("patient-\(i % 200_000)".utf8)).hex
            let text = i % 3 == 0
                ? #"{"record":{"id":"obs-\#(i)","system":"urn:clinic-a","type":"Observation","version":"1"},"sha256":"\#(digest)"}"#
                : #"{"consent":"c-\#(i % 50_000)","patient":"\#(patient)","period":{"end":"2027-12-31","start":"2025-01-01"},"provision":{"actor":["Organization/clinic-b"],"purpose":["TREAT"],"type":"permit"},"status":"active","supersedes":[]}"#
            return Array(text.utf8)
        }
    }

    /// The 1-minute load average (0 where /proc is missing), to read the figures beside.
    static func loadAverage() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8),
            let first = text.split(separator: " ").first, let value = Double(first)
        else { return 0 }
        return value
    }

    static func seconds(_ start: DispatchTime, _ end: DispatchTime) -> Double {
        Double(end.uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }

    static func fmt(_ value: Double) -> String { String(Int(value.rounded())) }
    static func pct(_ value: Double) -> String { "\(Int((value * 100).rounded()))%" }
    static func fixed(_ value: Double) -> String { String(format: "%.2f", value) }
    static func row(_ a: String, _ b: String, _ c: String, _ d: String) -> String {
        a.padding(toLength: 8, withPad: " ", startingAt: 0) + b.leftPad(20) + c.leftPad(12) + d.leftPad(20)
    }
}

extension String {
    fileprivate func leftPad(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
