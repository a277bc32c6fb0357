import ArgumentParser
import Crypto
import Dispatch
import Foundation
import LedgerConsent
import LedgerCore
import LedgerSite

/// `careledger-bench bundle`: the whole USB path through real ledgers, beside ceilings.
///
/// A clinic ledger appends N signed consent-like entries (group commits of 1,000), exports
/// one bundle for the central site (LZ4, HPKE, signed), and the central ledger imports it
/// (decode, verify every signature on every core, store, Merkle). Ceilings measured in the
/// same run: bare one-core Ed25519 verification of the same entries, times the cores.
struct BundleBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bundle", abstract: "Append, export and import a bundle through real site ledgers, beside the verify ceiling.")

    @Option(help: "Entries the clinic appends and the bundle carries.") var entries: Int = 100_000
    @Flag(help: "Print one JSON object as the last line.") var json = false

    func validate() throws {
        guard entries > 0 else { throw ValidationError("--entries must be positive") }
    }

    func run() throws {
        let root = FileManager.default.temporaryDirectory.path + "/careledger-bench-bundle-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let central = try SiteLedger.foundNetwork(at: root + "/central", siteName: "central", networkName: "bench")
        try central.writeGenesis(to: root + "/genesis.json")
        let clinic = try SiteLedger.join(at: root + "/clinic", siteName: "clinic", role: .clinic, genesisPath: root + "/genesis.json")
        _ = try central.admit(AdmitPayload(key: clinic.siteKey, agreementKey: clinic.metadata.agreementKey, name: "clinic", role: .clinic))

        let payloads = (0..<entries).map { i in
            Array("{\"consent\":\"c-\(i % 977)\",\"patient\":\"\(Hash32.sha256(Array("p\(i % 5000)".utf8)).hex)\",\"purpose\":\"TREAT\",\"status\":\"active\",\"seq\":\(i)}".utf8)
        }
        var clock = Stopwatch()
        var start = 0
        while start < payloads.count {
            let end = min(start + 1000, payloads.count)
            try clinic.append(kind: ConsentVersionPayload.kind, payloads: Array(payloads[start..<end]))
            start = end
        }
        let appendSeconds = clock.lap()
        let bundle = try clinic.writeBundle(to: [try clinic.member("central")])
        let exportSeconds = clock.lap()
        let imported = try central.importBundle(bundle.bytes, fileName: "bench.clbundle")
        let importSeconds = clock.lap()
        var missing = 0
        try clinic.forEachHeldEntry { id, _ in if try central.encodedEntry(id: id) == nil { missing += 1 } }
        guard missing == 0 else { throw ValidationError("central lacks \(missing) of the clinic's entries after the import") }

        // Ceiling: one core verifying the same entries with bare swift-crypto calls.
        var sample: [Entry] = []
        try clinic.forEachEntry { _, entry in if sample.count < 20_000 { sample.append(entry) } }
        let key = try Curve25519.Signing.PublicKey(rawRepresentation: clinic.siteKey.bytes)
        _ = clock.lap()
        var valid = 0
        for entry in sample where key.isValidSignature(entry.signature, for: EntrySignature.message(for: entry.id)) { valid += 1 }
        let ceilingPerSecond = Double(valid) / clock.lap()
        let cores = Double(EntryBatch.defaultParallelism)
        let importRate = Double(imported.report.imported) / importSeconds
        var rawBytes = 0
        try clinic.forEachHeldEntry { _, bytes in rawBytes += bytes.count }

        print("entries                 \(entries)")
        print(String(format: "append (sign+store)     %.0f entries/s", Double(entries) / appendSeconds))
        print(String(format: "export bundle           %.0f ms, %d bytes (%.2fx smaller than the encoded entries)", exportSeconds * 1000, bundle.bytes.count, Double(rawBytes) / Double(bundle.bytes.count)))
        print(String(format: "import bundle           %.0f ms, %.0f entries/s", importSeconds * 1000, importRate))
        print(String(format: "verify ceiling          %.0f/s per core x %.0f cores = %.0f/s", ceilingPerSecond, cores, ceilingPerSecond * cores))
        print(String(format: "import efficiency       %.2f of the %.0f-core verify ceiling", importRate / (ceilingPerSecond * cores), cores))
        if json {
            let fields: [String: Any] = [
                "entries": entries, "append_per_s": Double(entries) / appendSeconds,
                "export_ms": exportSeconds * 1000, "import_ms": importSeconds * 1000,
                "bundle_bytes": bundle.bytes.count, "encoded_entry_bytes": rawBytes,
                "import_per_s": importRate, "verify_ceiling_per_s_one_core": ceilingPerSecond,
                "import_efficiency": importRate / (ceilingPerSecond * cores), "cores": Int(cores),
            ]
            print(try sortedJSONLine(fields))
        }
    }
}

/// Elapsed wall time between laps.
struct Stopwatch {
    private var last = DispatchTime.now().uptimeNanoseconds

    /// Seconds since the previous lap (or creation).
    mutating func lap() -> Double {
        let now = DispatchTime.now().uptimeNanoseconds
        defer { last = now }
        return Double(now - last) / 1e9
    }
}
