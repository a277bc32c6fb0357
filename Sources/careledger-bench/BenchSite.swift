import Foundation

/// A real site of a given size, built the way a network builds one: with the `careledger`
/// binary only. A central site founds the network and admits three clinics; each clinic
/// writes a tenth of the entries (notes and record anchors) and carries them to central in a
/// bundle; central imports a tenth as FHIR Consents (over half as many patients), appends a
/// tenth as access decisions and the rest as its own notes and anchors.
struct BenchSite {
    /// The central site's folder: the one the commands are timed against.
    let central: String
    /// Entries central holds once built.
    let entries: Int

    /// The clinics' names; their entries reach central by bundle.
    static let clinics = ["clinic-1", "clinic-2", "clinic-3"]

    /// A site built earlier (by ``build(size:root:binary:say:)`` with `--keep`): its folder and
    /// its size as `stats` reports it; `scratch` holds the command's output.
    static func existing(_ folder: String, binary: String, scratch: String) throws -> BenchSite {
        let statsFile = scratch + "/stats.json"
        _ = try MeasuredProcess.runChecked(binary, ["stats", "--dir", folder, "--json"], scratch: scratch, stdoutPath: statsFile)
        let stats = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: statsFile))) as? [String: Any] ?? [:]
        return BenchSite(central: folder, entries: stats["entries"] as? Int ?? 0)
    }

    /// Builds a site of about `size` entries under `root` (which must not exist yet).
    /// - Parameter say: a progress line for each step (to stderr).
    static func build(size: Int, root: String, binary: String, say: (String) -> Void) throws -> BenchSite {
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let builder = BenchNetworkBuilder(binary: binary, root: root)
        let corpus = builder.corpus
        let central = root + "/central"
        say("size \(size): founding central and three clinics")
        try builder.found(central: central, network: "bench")
        let perClinic = size / 10
        for name in clinics {
            say("size \(size): \(name) writes \(perClinic) notes and anchors")
            let folder = try builder.addClinic(name, central: central, entries: perClinic)
            try builder.careledger(["bundle", "export", "--dir", folder, "--to", "central", "--out", root + "/\(name).clbundle"])
        }
        say("size \(size): central imports the clinics' bundles")
        try builder.careledger(["bundle", "import", "--dir", central] + clinics.map { root + "/\($0).clbundle" })
        let consents = size / 10
        if consents > 0 {
            say("size \(size): central imports \(consents) FHIR Consents")
            let files = try corpus.writeConsents(consents, patients: max(1, consents / 2), prefix: "c")
            for file in files { try builder.careledger(["consent", "import", "--dir", central, file]) }
        }
        let decisions = size / 10
        if decisions > 0 {
            say("size \(size): central appends \(decisions) access decisions")
            try corpus.writeDecisions(decisions, patients: max(1, consents / 2), path: root + "/decisions.jsonl")
            try builder.careledger(["append", "--dir", central, "--kind", "access.decision", "--jsonl", root + "/decisions.jsonl"])
        }
        let own = size - 3 * perClinic - consents - decisions
        say("size \(size): central appends \(own) notes and anchors")
        try builder.appendNotesAndAnchors(own, site: "central", folder: central)
        try builder.careledger(["stats", "--dir", central, "--json"], stdout: root + "/stats.json")
        let stats = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: root + "/stats.json"))) as? [String: Any] ?? [:]
        return BenchSite(central: central, entries: stats["entries"] as? Int ?? 0)
    }
}
