import ArgumentParser
import LedgerCore
import LedgerSite

/// `careledger verify`: checks every checksum, signature, link and signed tree head.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Check every block checksum, signature, author link and signed tree head (exit 1 on any fault).")
    @OptionGroup var options: SiteOptions
    @Option(help: "Check a published static log instead of a site (no --dir): a folder or an http(s):// prefix (Specs/static-log.md §11.6).") var mirror: String?
    @Option(help: "With --mirror: the log's verifier key as publish prints it.") var logKey: String?
    @Option(parsing: .unconditional, help: NumericOptions.connections.help("With --mirror: bundles fetched and verified at once.", default: "4"),
            transform: NumericOptions.connections.parse) var connections: Int = 4
    @Option(parsing: .unconditional, help: NumericOptions.witnesses.help("With --mirror: valid cosignatures required from distinct --witness-key witnesses (Specs/static-log.md §8.5).", default: "the genesis's witnesses, read from the log's first entry"),
            transform: NumericOptions.witnesses.parse) var witnesses: Int?
    @Option(name: .customLong("witness-key"), help: "With --mirror --witnesses: a witness's cosigner verifier key as `witness cosign` prints it (repeat).")
    var witnessKeys: [String] = []

    /// One fault; for an entry, `file` is its segment file, `offset` its block's offset,
    /// and `ordinal` its position in the log.
    struct Fault: Encodable { let file: String, offset: Int64, entryId: String?, ordinal: Int64?, what: String }
    struct Output: Encodable {
        let ok: Bool, entriesChecked: Int, headsChecked: Int, faults: [Fault]
        /// True when the storage structure was too damaged to open for writing, so the site
        /// was checked read-only as far as its log continues (nothing was written).
        let readOnly: Bool
        /// The number of forks (kept as a count; `fork_evidence` lists them).
        let forks: Int
        let forkEvidence: [ForkOutput]
        /// Peers' signed tree heads that contradict each other (a rollback or a fork), kept as evidence.
        let rollbackEvidence: [RollbackEvidenceOutput]
    }

    func run() async throws {
        try await runReportingFailures(json: options.json) {
            if let mirror {
                return try MirrorCLI.verify(json: options.json, mirror: mirror, logKey: logKey, connections: connections,
                                            witnesses: witnesses, witnessKeys: witnessKeys)
            }
            let ledger = try openSite(options, access: .read, forVerify: true)
            let bar = ProgressBar(label: "verify", total: ledger.entryCount)
            var report = ledger.verify { bar.advance(by: $0) }
            bar.finish()
            // The derived-state database is a cache of the log: it must say what the log says.
            report.faults += ledger.verifyDerivedState()
            // A site opened read-only (damaged structure) is not written to, not even its history.
            if !ledger.isReadOnly { try? ledger.recordVerifyRun(report) }
            var faults = report.faults.map {
                Fault(file: $0.file, offset: $0.offset, entryId: $0.entryID?.hex, ordinal: $0.ordinal, what: $0.what)
            }
            // The store of FHIR Consent originals (Specs/consent.md §4.6): each file must still hash to its name.
            if let originals = try? ConsentOriginals(ledger) {
                faults += originals.damaged().map {
                    Fault(file: "originals/\($0)", offset: 0, entryId: nil, ordinal: nil, what: "a consent original no longer matches its anchor (restore it from a backup)")
                }
            }
            let ok = report.ok && faults.count == report.faults.count
            try CommandOutput(json: options.json).emit(Output(ok: ok, entriesChecked: report.entriesChecked,
                                                              headsChecked: report.headsChecked, faults: faults,
                                                              readOnly: ledger.isReadOnly,
                                                              forks: ledger.forks.count, forkEvidence: ForkOutput.list(ledger.forks),
                                                              rollbackEvidence: RollbackEvidenceOutput.list(ledger))) {
                if ledger.isReadOnly {
                    print("note: the storage structure is damaged, so the site was checked read-only as far as its log continues; nothing was written")
                }
                if ok {
                    print("OK: \(report.entriesChecked) entries and \(report.headsChecked) signed tree heads verified")
                } else {
                    for fault in faults {
                        let ordinal = fault.ordinal.map { " ordinal \($0)" } ?? ""
                        print("FAULT \(fault.file) @\(fault.offset)\(ordinal)\(fault.entryId.map { " entry \($0)" } ?? ""): \(fault.what)")
                    }
                    print("\(faults.count) fault(s) in \(report.entriesChecked) entries")
                }
                if !ledger.forks.isEmpty {
                    print("note: \(ledger.forks.count) fork(s) recorded as evidence (two signed entries by one author at one position):")
                    ForkOutput.printList(ledger.forks)
                }
                RollbackEvidenceOutput.printList(ledger)
            }
            if !ok {
                if let first = faults.first {
                    printError("error: verification failed at \(first.file) offset \(first.offset): \(first.what)")
                }
                throw ExitCode(1)
            }
        }
    }
}
