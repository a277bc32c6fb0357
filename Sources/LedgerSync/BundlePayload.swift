import LedgerCore

/// The plaintext inside a bundle's envelope (Specs/bundle-format.md §5): the sender's
/// tree head, then a recorded flight of sync messages — SUMMARY, ITEMS…, empty STEP —
/// that the recipient replays through a `ReconcileSession` in the bundle-reader role.
enum BundlePayload {
    /// Encodes a payload.
    static func encode(treeHead: [UInt8], snapshot: SummarySnapshot, items: [SyncItem]) -> [UInt8] {
        var payload = ByteWriter(.bigEndian)
        payload.u32(UInt32(truncatingIfNeeded: treeHead.count))
        payload.raw(treeHead)
        payload.raw(SyncMessageCodec.encode(.summary(snapshot)))
        for message in SyncItemChunker.messages(for: items) { payload.raw(SyncMessageCodec.encode(message)) }
        payload.raw(SyncMessageCodec.encode(.step([])))
        return payload.bytes
    }

    /// Splits a decrypted, decompressed payload into its tree head and messages.
    static func parse(_ payload: [UInt8], limits: SyncLimits) throws(SyncError) -> (treeHead: [UInt8], messages: [SyncMessage]) {
        var reader = ByteReader(payload, truncated: .malformedBundle, malformed: .malformedBundle)
        let headLength = Int(try reader.u32("tree head length"))
        let treeHead = try reader.raw(headLength, "tree head")
        var decoder = SyncMessageDecoder(limits: limits)
        let messages: [SyncMessage]
        do {
            messages = try decoder.feed(payload[reader.position...])
        } catch {
            throw SyncError(.malformedBundle, "the payload's messages do not decode: \(error.message)", offset: error.offset, underlying: error)
        }
        guard decoder.bufferedByteCount == 0 else {
            throw SyncError(.malformedBundle, "the payload ends inside a message", offset: payload.count)
        }
        return (treeHead, messages)
    }

    /// Replays the messages through the state machine, verifying items and committing them
    /// all or none through `store`.
    static func apply(_ messages: [SyncMessage], fileName: String?, set: ReconcilableSet, verifier: any SyncItemVerifier,
                      store: any SyncItemStore, limits: SyncLimits) throws(SyncError) -> (summary: SummarySnapshot, outcome: SyncOutcome) {
        var session = ReconcileSession(role: .bundleReader, set: set, verifier: verifier, limits: limits)
        var summary: SummarySnapshot?
        var outcome: SyncOutcome?
        for message in messages {
            for action in session.receive(message) {
                switch action {
                case .learnedPeerSummary(let snapshot): summary = snapshot
                case .commit(let items):
                    do { try store.commit(items) } catch {
                        throw SyncError(.commitFailed, "storing the bundle's items failed; nothing was stored", file: fileName, underlying: error)
                    }
                case .finished(let result): outcome = result
                case .failed(let error): throw fileName.map { error.inFile($0) } ?? error
                case .send, .sendItems: break
                }
            }
        }
        guard let summary, let outcome else {
            throw SyncError(.malformedBundle, "the payload does not end with a closing STEP", file: fileName)
        }
        return (summary, outcome)
    }
}
