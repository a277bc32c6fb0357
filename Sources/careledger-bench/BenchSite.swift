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

    /// Builds a site of about `size` entries under `root` (which must not exist yet).
    /// - Parameter say: a progress line for each step (to stderr).
    static func build(size: Int, root: String, binary: String, say: (String) -> Void) throws -> BenchSite {
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let corpus = SiteCorpus(folder: root)
        let central = root + "/central"
        func careledger(_ arguments: [String], stdout: String = "/dev/null") throws {
            _ = try MeasuredProcess.runChecked(binary, arguments, scratch: root, stdoutPath: stdout)
        }
        say("size \(size): founding central and three clinics")
        try careledger(["network", "create", "--dir", central, "--site", "central", "--name", "bench"])
        try careledger(["network", "genesis", "--dir", central, "--out", root + "/genesis.json"])
        let perClinic = size / 10
        for name in clinics {
            let folder = root + "/" + name
            let identity = root + "/\(name).json"
            try careledger(["init", "--dir", folder, "--site", name, "--genesis", root + "/genesis.json", "--role", "clinic", "--json"], stdout: identity)
            let keys = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: identity))) as? [String: Any] ?? [:]
            guard let key = keys["site_key"] as? String, let agreement = keys["agreement_key"] as? String else {
                throw MeasuredProcess.Failure(description: "`careledger init --json` printed no site_key/agreement_key")
            }
            try careledger(["members", "admit", "--dir", central, "--key", key, "--agreement-key", agreement, "--name", name, "--role", "clinic"])
            say("size \(size): \(name) writes \(perClinic) notes and anchors")
            let counts = try corpus.writeNotesAndAnchors(perClinic, site: name, notesPath: root + "/\(name)-notes.jsonl", anchorsPath: root + "/\(name)-anchors.jsonl")
            if counts.notes > 0 { try careledger(["append", "--dir", folder, "--kind", "clinical.note", "--jsonl", root + "/\(name)-notes.jsonl"]) }
            if counts.anchors > 0 { try careledger(["append", "--dir", folder, "--kind", "anchor", "--jsonl", root + "/\(name)-anchors.jsonl"]) }
            try careledger(["bundle", "export", "--dir", folder, "--to", "central", "--out", root + "/\(name).clbundle"])
        }
        say("size \(size): central imports the clinics' bundles")
        try careledger(["bundle", "import", "--dir", central] + clinics.map { root + "/\($0).clbundle" })
        let consents = size / 10
        if consents > 0 {
            say("size \(size): central imports \(consents) FHIR Consents")
            let files = try corpus.writeConsents(consents, patients: max(1, consents / 2), prefix: "c")
            for file in files { try careledger(["consent", "import", "--dir", central, file]) }
        }
        let decisions = size / 10
        if decisions > 0 {
            say("size \(size): central appends \(decisions) access decisions")
            try corpus.writeDecisions(decisions, patients: max(1, consents / 2), path: root + "/decisions.jsonl")
            try careledger(["append", "--dir", central, "--kind", "access.decision", "--jsonl", root + "/decisions.jsonl"])
        }
        let own = size - 3 * perClinic - consents - decisions
        say("size \(size): central appends \(own) notes and anchors")
        let counts = try corpus.writeNotesAndAnchors(own, site: "central", notesPath: root + "/central-notes.jsonl", anchorsPath: root + "/central-anchors.jsonl")
        if counts.notes > 0 { try careledger(["append", "--dir", central, "--kind", "clinical.note", "--jsonl", root + "/central-notes.jsonl"]) }
        if counts.anchors > 0 { try careledger(["append", "--dir", central, "--kind", "anchor", "--jsonl", root + "/central-anchors.jsonl"]) }
        try careledger(["stats", "--dir", central, "--json"], stdout: root + "/stats.json")
        let stats = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: root + "/stats.json"))) as? [String: Any] ?? [:]
        return BenchSite(central: central, entries: stats["entries"] as? Int ?? 0)
    }
}
