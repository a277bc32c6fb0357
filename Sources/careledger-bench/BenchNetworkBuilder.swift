import Foundation

/// Builds benchmark networks the way people do, with the `careledger` binary only: a central
/// site founds the network, clinics join from its genesis file, are admitted and write notes
/// and anchors. Shared by `site`, `route` and `http`.
struct BenchNetworkBuilder {
    let binary: String
    /// Scratch folder: the genesis file, identities and JSON Lines inputs go here.
    let root: String
    let corpus: SiteCorpus

    init(binary: String, root: String) {
        self.binary = binary
        self.root = root
        corpus = SiteCorpus(folder: root)
    }

    /// Runs one `careledger` command, failing on a non-zero exit.
    func careledger(_ arguments: [String], stdout: String = "/dev/null") throws {
        _ = try MeasuredProcess.runChecked(binary, arguments, scratch: root, stdoutPath: stdout)
    }

    /// Founds the network at `central` and writes the genesis file clinics join from.
    func found(central: String, network: String) throws {
        try careledger(["network", "create", "--dir", central, "--site", "central", "--name", network])
        try careledger(["network", "genesis", "--dir", central, "--out", root + "/genesis.json"])
    }

    /// Creates clinic `name` in `root/name`, admits it at `central` and has it append `entries`
    /// notes and anchors; returns its folder.
    func addClinic(_ name: String, central: String, entries: Int) throws -> String {
        let folder = root + "/" + name
        let identity = root + "/\(name).json"
        try careledger(["init", "--dir", folder, "--site", name, "--genesis", root + "/genesis.json", "--role", "clinic", "--json"], stdout: identity)
        let keys = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: identity))) as? [String: Any] ?? [:]
        guard let key = keys["site_key"] as? String, let agreement = keys["agreement_key"] as? String else {
            throw MeasuredProcess.Failure(description: "`careledger init --json` printed no site_key/agreement_key")
        }
        try careledger(["members", "admit", "--dir", central, "--key", key, "--agreement-key", agreement, "--name", name, "--role", "clinic"])
        try appendNotesAndAnchors(entries, site: name, folder: folder)
        return folder
    }

    /// Appends `count` notes and anchors (about half each) at the site in `folder`.
    func appendNotesAndAnchors(_ count: Int, site: String, folder: String) throws {
        let notes = root + "/\(site)-notes.jsonl", anchors = root + "/\(site)-anchors.jsonl"
        let written = try corpus.writeNotesAndAnchors(count, site: site, notesPath: notes, anchorsPath: anchors)
        if written.notes > 0 { try careledger(["append", "--dir", folder, "--kind", "clinical.note", "--jsonl", notes]) }
        if written.anchors > 0 { try careledger(["append", "--dir", folder, "--kind", "anchor", "--jsonl", anchors]) }
    }
}
