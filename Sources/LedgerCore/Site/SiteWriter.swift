/// Something that appends this site's own entries to its log: the one writer of the folder.
///
/// A ``SiteLedger`` opened with the folder's lock is one. A snapshot
/// (``SiteLedger/openSnapshot(at:logger:fileSystem:)``) has none of its own; commands that
/// write attach one (``SiteLedger/attach(writer:)``): the running `serve` reached through
/// the folder's control socket, or a ledger opened with the lock when the first write comes
/// (Specs/site-layout.md §8). The writer signs the entries against the site's current chain,
/// which may be ahead of the snapshot, in one commit, and returns them.
public protocol SiteWriter: AnyObject {
    /// Appends one entry of `kind` per payload in one commit and returns the entries, in order.
    /// - Throws: `CoreError` when the writer refuses or fails; then nothing was appended.
    func appendEntries(kind: String, payloads: [[UInt8]]) throws -> [Entry]
}

extension SiteLedger: SiteWriter {
    /// Appends through this ledger (it holds the folder's lock).
    public func appendEntries(kind: String, payloads: [[UInt8]]) throws -> [Entry] {
        try append(kind: kind, payloads: payloads)
    }
}

extension SiteLedger {
    /// Sends this snapshot's writes to `writer` from now on.
    ///
    /// Entries it appends are folded into the snapshot's chains, charter and clock, so later
    /// reads of the snapshot see them; the snapshot's log and tree stay as they were opened.
    public func attach(writer: any SiteWriter) {
        self.writer = writer
    }

    /// Appends through the attached writer and folds the result into the snapshot.
    func appendThroughWriter(_ writer: any SiteWriter, kind: String, payloads: [[UInt8]]) throws -> [Entry] {
        let entries = try writer.appendEntries(kind: kind, payloads: payloads)
        for entry in entries { absorb(entry) }
        return entries
    }
}
