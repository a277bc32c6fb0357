import ArgumentParser
import LedgerCore
import LedgerSite

/// `sync --mirror URL` and `verify --mirror URL`: a static log read back (Specs/static-log.md §11).
enum MirrorCLI {
    struct SyncOutput: Encodable {
        let origin: String, treeSize: UInt64, previousIngestedSize: UInt64, entriesIngested: Int, imported: Int
        let alreadyHad: Int, quarantined: Int, bundlesDownloaded: Int, bundlesFromSpool: Int, bytesDownloaded: Int
        let seconds: Double, warnings: [String]
        /// Where the pipeline's stages waited (Specs/static-log.md §11.3).
        let pipeline: MirrorPipelineWaits
    }

    struct VerifyOutput: Encodable {
        let ok: Bool, origin: String, treeSize: UInt64, rootHash: String, bundlesChecked: Int, entriesChecked: Int
        let bytesDownloaded: Int, seconds: Double, cosignatures: Int
        /// Without --witnesses: the default in force at the checked size (Specs/charter.md §7).
        let witnessesInForce: Int?
    }

    /// Parses `--log-key`: a verifier key `<name>+<key id>+<base64 key>` as `publish` prints it.
    static func parseKey(_ text: String?) throws -> NoteVerifierKey? {
        guard let text else { return nil }
        guard let key = NoteVerifierKey(verifierKey: text) else {
            throw CLIFailure.usage("--log-key must be a verifier key as `publish` prints it (<origin>+<key id>+<base64 key>)")
        }
        return key
    }

    /// Mirror refusals are check failures (exit 1); an unreachable mirror is a connection failure (exit 7).
    static func mapped<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as SiteError where [.mirrorInvalid, .splitView, .checkpointUnwitnessed, .staleCheckpoint].contains(error.code) {
            throw CLIFailure(kind: .checkFailed, message: error.message, code: error.code.name)
        } catch let error as SiteError where error.code == .mirrorUnreachable {
            throw CLIFailure(kind: .syncConnection, message: error.message, code: error.code.name)
        }
    }

    static func sync(options: SiteOptions, mirror: String, logKey: String?, connections: Int, witnesses: Int? = nil) throws {
        let key = try parseKey(logKey)
        let ledger = try openSite(options, access: .exclusive)
        let source = try StaticLogSources.open(mirror, connections: connections)
        let outcome = try mapped {
            try MirrorSync.run(ledger, from: source, logKey: key, connections: connections,
                               witnesses: WitnessRequirement.required(explicit: witnesses, of: ledger),
                               progress: ProgressBar.handler(label: "mirror", unit: "bundles", itemUnit: "entries"))
        }
        printWarnings(outcome.warnings)
        let output = SyncOutput(
            origin: outcome.origin, treeSize: outcome.treeSize, previousIngestedSize: outcome.previousIngestedSize,
            entriesIngested: outcome.entriesIngested, imported: outcome.imported, alreadyHad: outcome.alreadyHad,
            quarantined: outcome.quarantined, bundlesDownloaded: outcome.bundlesDownloaded, bundlesFromSpool: outcome.bundlesFromSpool,
            bytesDownloaded: outcome.bytesDownloaded, seconds: outcome.seconds, warnings: outcome.warnings,
            pipeline: outcome.pipeline)
        try CommandOutput(json: options.json).emit(output) {
            print("Caught up to tree size \(outcome.treeSize) of \(outcome.origin) (was \(outcome.previousIngestedSize)): \(outcome.entriesIngested) entries ingested (\(outcome.imported) new, \(outcome.alreadyHad) held already, \(outcome.quarantined) quarantined) from \(outcome.bundlesDownloaded) bundle(s) fetched and \(outcome.bundlesFromSpool) spooled, \(outcome.bytesDownloaded) bytes in \(String(format: "%.1f", outcome.seconds)) s")
        }
    }

    /// Parses `--witness-key` (repeated): cosigner verifier keys as `witness cosign` prints them.
    static func parseWitnessKeys(_ texts: [String], required: Int) throws -> WitnessRequirement {
        var keys: Set<CosignerKey> = []
        for text in texts {
            guard let key = CosignerKey(verifierKey: text) else {
                throw CLIFailure.usage("--witness-key must be a cosigner verifier key as `witness cosign` prints it (<name>+<key id>+<base64 0x04 key>)")
            }
            keys.insert(key)
        }
        guard required <= keys.count else {
            throw CLIFailure.usage("--witnesses \(required) needs at least \(required) distinct --witness-key")
        }
        return WitnessRequirement(count: required, cosigners: keys)
    }

    /// `verify --mirror`; `witnesses` nil: the network's default, read from the log's genesis,
    /// and the amendment in force in the checked tree checked after the audit (Specs/static-log.md §11.6).
    static func verify(json: Bool, mirror: String, logKey: String?, connections: Int, witnesses: Int? = nil, witnessKeys: [String] = []) throws {
        guard let key = try parseKey(logKey) else { throw CLIFailure.usage("verify --mirror needs --log-key, the publishing site's verifier key") }
        let source = try StaticLogSources.open(mirror, connections: connections)
        let requirement: WitnessRequirement
        var genesis: GenesisPayload?
        if let witnesses {
            requirement = try parseWitnessKeys(witnessKeys, required: witnesses)
        } else {
            let read = try mapped { try MirrorGenesis.read(source, key: key) }
            genesis = read
            let required = read.witnesses ?? 0
            guard Set(witnessKeys).count >= required || required == 0 else {
                throw CLIFailure.usage("the network's genesis requires \(required) witness cosignature(s) on a mirrored checkpoint: give \(required) distinct --witness-key, or --witnesses 0 to check without them")
            }
            requirement = try parseWitnessKeys(witnessKeys, required: required)
        }
        let report = try mapped {
            try MirrorAudit.run(source, key: key, connections: connections, witnesses: requirement, genesis: genesis,
                                progress: ProgressBar.handler(label: "verify", unit: "bundles", itemUnit: "entries"))
        }
        try CommandOutput(json: json).emit(VerifyOutput(
            ok: true, origin: report.origin, treeSize: report.treeSize, rootHash: report.rootHash, bundlesChecked: report.bundlesChecked,
            entriesChecked: report.entriesChecked, bytesDownloaded: report.bytesDownloaded, seconds: report.seconds,
            cosignatures: report.cosignatures, witnessesInForce: report.witnessesInForce)) {
            let witnessed = requirement.count > 0 ? ", with \(report.cosignatures) witness cosignature(s)" : ""
            print("OK: \(report.origin) at tree size \(report.treeSize)\(witnessed): the checkpoint, every tile, \(report.bundlesChecked) bundles and \(report.entriesChecked) entry signatures verified")
        }
    }
}

extension NumericOptions {
    /// `sync --mirror` / `verify --mirror --witnesses`: cosignatures required.
    static let witnesses = NumericOption<Int>.count(0...64)

    /// `sync --mirror` / `verify --mirror --connections`: bundles fetched at once.
    static let connections = NumericOption<Int>.count(1...64)
}
