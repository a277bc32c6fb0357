import ArgumentParser
import Foundation
import LedgerConsent
import LedgerCore
import LedgerSite

/// `careledger anchor --file RECORD`: anchors the SHA-256 of a clinical record.
struct AnchorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "anchor", abstract: "Anchor the SHA-256 of a record (the record itself stays off the ledger).")
    @OptionGroup var options: SiteOptions
    @OptionGroup var lock: WaitOption
    @Option(help: "The record file.") var file: String
    @Option(help: "The record's system (e.g. an EHR's base URL).") var system: String?
    @Option(help: "The record's resource type.") var type: String?
    @Option(help: "The record's id.") var id: String?
    @Option(help: "The record's version.") var version: String?

    struct Output: Encodable { let entryId: String, sha256: String }

    func run() async throws {
        try await runReportingFailures(json: options.json) {
            let digest = try RecordDigest.of(file)
            let ledger = try openSite(options, access: .write, wait: lock.duration)
            let entry = try ledger.anchor(AnchorPayload(sha256: digest.hex, size: digest.size, system: system, type: type,
                                                        id: id, version: version))
            try CommandOutput(json: options.json).emit(Output(entryId: entry.id.hex, sha256: digest.hex)) {
                print("Anchored \(file) (sha256 \(digest.hex)) as entry \(entry.id.hex)")
            }
        }
    }
}

/// `careledger attest --file RECORD`: is this exact record, or FHIR Consent original (Specs/consent.md §4.6), anchored? Exit 0 yes, 1 no.
struct AttestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attest", abstract: "Check whether this exact record or imported FHIR Consent original is anchored (exit 0 yes, 1 no).")
    @OptionGroup var options: SiteOptions
    @Option(help: "The record file.") var file: String

    struct Output: Encodable {
        let anchored: Bool, sha256: String, entryId: String?, site: String?, time: String?

        enum CodingKeys: String, CodingKey { case anchored, sha256, entryId, site, time }

        /// Writes absent fields as `null`, so the contract's keys are always present.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(anchored, forKey: .anchored)
            try container.encode(sha256, forKey: .sha256)
            try container.encode(entryId, forKey: .entryId)
            try container.encode(site, forKey: .site)
            try container.encode(time, forKey: .time)
        }
    }

    func run() async throws {
        try await runReportingFailures(json: options.json) {
            let digest = try RecordDigest.of(file)
            let ledger = try openSite(options, access: .read)
            var found = try ledger.anchorEntry(sha256: digest.hex)
            if found == nil, let bytes = FileManager.default.contents(atPath: file),
               let version = try? SiteConsent(ledger).versions(anchoring: Array(bytes)).first {
                // A FHIR Consent original (Specs/consent.md §4.6): its version's entry anchors it.
                found = try ledger.entry(id: version.id)
            }
            let site = found.map { ledger.charter.members[$0.author]?.name ?? $0.author.hex }
            let output = Output(anchored: found != nil, sha256: digest.hex, entryId: found?.id.hex, site: site,
                                time: found.map { RFC3339.string(from: $0.timestamp) })
            try CommandOutput(json: options.json).emit(output) {
                if let found {
                    print("Anchored: entry \(found.id.hex) by \(site ?? "?") at \(output.time ?? "?")")
                } else {
                    print("Not anchored: no entry holds sha256 \(digest.hex)")
                }
            }
            if found == nil { throw ExitCode(1) }
        }
    }
}

/// A file's SHA-256 and size.
struct RecordDigest {
    let hex: String
    let size: Int

    static func of(_ path: String) throws -> RecordDigest {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIFailure.usage("cannot read \(path): no such file or not readable")
        }
        return RecordDigest(hex: AnchorPayload.digest(Array(data)), size: data.count)
    }
}
