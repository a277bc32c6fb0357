import LedgerCore

/// The cosignature lines gathered for one published checkpoint, by cosigner name.
struct GatheredCosignatures: Equatable {
    var treeSize: UInt64
    var rootHash: Hash32
    var lines: [String: String]
}

extension PublishRun {
    /// The valid cosignatures of this log's checkpoints in the `witness.cosignature` entries
    /// the publish read (Specs/static-log.md §8.4): origin this folder's, size at most `size`,
    /// root this log's at that size, cosigner an active member other than this site and the
    /// entry's author, signature verifying. Keyed by tree size.
    func gatherCosignatures(size: UInt64, root: Hash32) throws -> [UInt64: GatheredCosignatures] {
        var gathered: [UInt64: GatheredCosignatures] = [:]
        for (author, bytes) in received {
            guard let payload = try? CanonicalJSON.decode(WitnessCosignaturePayload.self, from: bytes),
                  payload.origin == key.name, payload.treeSize <= size, author != ledger.siteKey,
                  let member = ledger.charter.members[author], member.revokedFrom == nil,
                  let cosigner = CosignerKey(verifierKey: payload.cosignerKey), payload.verifies(author: author)
            else { continue }
            let rootThen = try gathered[payload.treeSize]?.rootHash ?? self.root(at: payload.treeSize, size: size, root: root)
            guard rootThen.hex == payload.rootHash else { continue }
            gathered[payload.treeSize, default: GatheredCosignatures(treeSize: payload.treeSize, rootHash: rootThen, lines: [:])]
                .lines[cosigner.name] = payload.cosignature
        }
        return gathered
    }

    /// This log's root at `treeSize` ≤ `size`.
    func root(at treeSize: UInt64, size: UInt64, root: Hash32) throws -> Hash32 {
        if treeSize == size { return root }
        if treeSize == 0 { return MerkleHash.emptyRoot }
        return try ledger.consistencyProof(from: treeSize, to: size).firstRoot
    }

    /// The folder's `checkpoint.witnessed` with its valid cosignatures by active members, nil
    /// when there is none or it is not a checkpoint of this log (it is then replaced).
    func currentWitnessed(size: UInt64, root: Hash32) -> GatheredCosignatures? {
        guard let bytes = try? folder.read(StaticLogPublisher.witnessedCheckpoint, limit: SignedNote.maximumBytes),
              let checkpoint = try? Checkpoint.open(bytes, verifiedBy: key),
              checkpoint.treeSize <= size, (try? self.root(at: checkpoint.treeSize, size: size, root: root)) == checkpoint.rootHash,
              let text = String(validating: bytes, as: UTF8.self), let split = text.range(of: "\n\n", options: .backwards)
        else { return nil }
        var lines: [String: String] = [:]
        for line in text[split.upperBound...].split(separator: "\n") {
            let fields = line.split(separator: " ")
            // A member's cosigner name holds its site key (§8.1): `careledger.invalid/<network>/<site>/witness`.
            guard fields.count == 3, let name = LogOrigin(cosignerName: String(fields[1])), name.networkID == ledger.networkID,
                  case let site = name.siteKey, site != ledger.siteKey, let member = ledger.charter.members[site], member.revokedFrom == nil,
                  ((try? Cosignature.verify(bytes, name: String(fields[1]), publicKey: site)) ?? nil) != nil
            else { continue }
            lines[String(fields[1])] = String(line)
        }
        return GatheredCosignatures(treeSize: checkpoint.treeSize, rootHash: checkpoint.rootHash, lines: lines)
    }

    /// The witnessed checkpoint to keep: among the current file's and each size gathered now
    /// (the current file's lines merged into its own size), the one with the most cosigners,
    /// then the largest size. Nil when none has a cosignature.
    static func selectWitnessed(current: GatheredCosignatures?, gathered: [UInt64: GatheredCosignatures]) -> GatheredCosignatures? {
        var candidates = gathered
        if let current {
            candidates[current.treeSize, default: current].lines.merge(current.lines) { new, _ in new }
        }
        return candidates.values.filter { !$0.lines.isEmpty }.max {
            ($0.lines.count, $0.treeSize) < ($1.lines.count, $1.treeSize)
        }
    }

    /// A checkpoint note signed by this log's key, followed by `lines` (sorted by cosigner name).
    func note(_ checkpoint: Checkpoint, cosignatures lines: [String: String]) throws -> [UInt8] {
        try checkpoint.signed(with: ledger.signingKeyForBundles)
            + lines.sorted { $0.key < $1.key }.flatMap { Array(($0.value + "\n").utf8) }
    }

    /// Writes `checkpoint.witnessed` when the selection changed it (before `checkpoint`, §5 step 5).
    /// - Returns: the witnessed checkpoint's size and cosignature count (nil when there is none),
    ///   and the cosignatures gathered for `size` itself, for `checkpoint`.
    mutating func writeWitnessed(size: UInt64, root: Hash32) throws -> (witnessed: GatheredCosignatures?, latest: [String: String]) {
        let gathered = try gatherCosignatures(size: size, root: root)
        let current = currentWitnessed(size: size, root: root)
        guard let best = Self.selectWitnessed(current: current, gathered: gathered) else { return (nil, [:]) }
        if best != current {
            let checkpoint = Checkpoint(origin: key.name, treeSize: best.treeSize, rootHash: best.rootHash)
            try folder.write(try note(checkpoint, cosignatures: best.lines), to: StaticLogPublisher.witnessedCheckpoint)
        }
        return (best, best.treeSize == size ? best.lines : gathered[size]?.lines ?? [:])
    }
}
