/// The signed tree heads other sites sent this one (Specs/site-layout.md §6): each checked
/// against the newest one kept from its signer, so a peer cannot roll its log back or keep
/// two histories unnoticed: both heads are kept as evidence, and sync goes on.
extension SiteLedger {
    /// The record kept for `peer`, if any.
    /// - Throws: `CoreError.Code.malformedFile` when the file exists but does not decode.
    public func peerTreeHead(of peer: Hash32) throws -> PeerTreeHeadRecord? {
        let path = layout.peerTreeHead(peer)
        guard let data = try files.contents(of: path, limit: 1 << 16) else { return nil }
        do {
            let record = try PeerTreeHeadRecord(decoding: data)
            guard record.peer == peer, record.head.isSignatureValid() else {
                throw CoreError(.badSignature, "the record is not a head signed by \(peer.hex)")
            }
            return record
        } catch {
            throw CoreError(.malformedFile, "the kept tree head of peer \(peer.hex) is damaged; restore \(path) from a backup (deleting it forgets what the peer committed to)", file: path, underlying: error)
        }
    }

    /// Checks the signed tree head a peer sent at `sentAt` (a bundle's sender and `created`)
    /// and says what to keep. Stores nothing: call `remember(_:)` once the rest of the
    /// message is stored, so a rejected message changes nothing.
    ///
    /// Every head must decode, be this network's, be signed by `sender` and verify. It is
    /// judged against the kept record (`PeerTreeHeadRecord.admit`) only when the sender is
    /// a member or this site, as its summary is: a stranger's files are not kept.
    /// - Parameters:
    ///   - encoded: the head's encoding (Specs/merkle-log.md §7.1); empty when absent.
    ///   - file: the file that carried it, named in errors.
    /// - Returns: the record and the evidence to keep (``TreeHeadVerdict``); a rolled-back
    ///   or forked head is evidence, never an error.
    /// - Throws: `CoreError` `.treeHeadInvalid`, `.malformedFile` (a damaged kept record).
    public func checkPeerTreeHead(_ encoded: [UInt8], from sender: Hash32, sentAt: HybridTimestamp,
                                  file: String? = nil) throws -> TreeHeadVerdict {
        func invalid(_ why: String, _ cause: (any Error)? = nil) -> CoreError {
            CoreError(.treeHeadInvalid, "the signed tree head from \(sender.hex) \(why); nothing was imported — ask the sender to write a new bundle with an up-to-date CareLedger", file: file, underlying: cause)
        }
        guard !encoded.isEmpty else { throw invalid("is missing") }
        let head: SignedTreeHead
        do { head = try SignedTreeHead.decode(encoded) } catch { throw invalid("does not decode", error) }
        guard head.networkID == networkID else { throw invalid("belongs to network \(head.networkID.hex)") }
        guard head.signer == sender else { throw invalid("is signed by \(head.signer.hex), not by the sender") }
        guard head.isSignatureValid() else { throw invalid("has a signature that does not verify") }
        guard charter.members[sender] != nil || sender == siteKey else { return TreeHeadVerdict(record: nil) }
        return PeerTreeHeadRecord.admit(head, sentAt: sentAt, held: try peerTreeHead(of: sender))
    }

    /// Keeps what `checkPeerTreeHead` decided: the evidence first (appended to
    /// `peers/<key>.evidence`, §6.1), then the record.
    /// - Throws: `CoreError.Code.io` or `.noSpace`; `.notPermitted` when opened read-only.
    public func remember(_ verdict: TreeHeadVerdict) throws {
        if let evidence = verdict.evidence { try keep(evidence) }
        if let record = verdict.record { try remember(record) }
    }

    /// Keeps `record` durably as the newest head of its peer (atomic replace, Specs/site-layout.md §6).
    /// - Throws: `CoreError.Code.io` or `.noSpace`; `.notPermitted` when opened read-only.
    public func remember(_ record: PeerTreeHeadRecord) throws {
        try writePeerFile(record.encoded(), to: layout.peerTreeHead(record.peer))
    }

    /// Replaces a file of the `peers/` folder atomically and durably (write a temporary
    /// file, fsync, rename, fsync the folder; Specs/site-layout.md §7).
    /// - Throws: `CoreError.Code.io` or `.noSpace`; `.notPermitted` when opened read-only.
    package func writePeerFile(_ bytes: [UInt8], to path: String) throws {
        try requireWritable()
        try files.makeDirectory(layout.peers)
        try files.writeAtomically(bytes, to: path)
    }
}
