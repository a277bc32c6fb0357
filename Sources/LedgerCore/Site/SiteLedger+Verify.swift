import Foundation

/// The outcome of `verify`: every fault found, with file, offset and entry.
public struct VerifyReport: Sendable, Equatable {
    /// Entries decoded and checked.
    public var entriesChecked = 0
    /// Signed tree heads checked.
    public var headsChecked = 0
    /// Every fault found; empty means the ledger is intact.
    public var faults: [LedgerFault] = []
    /// True when no fault was found.
    public var ok: Bool { faults.isEmpty }
}

extension SiteLedger {
    /// Checks everything: block checksums, every entry's encoding, network and signature,
    /// every author link, that the Merkle tree rebuilt from the log matches every signed
    /// tree head (which also shows each head is consistent with the next), and that the
    /// stored Merkle tree agrees (Specs/site-layout.md §5).
    ///
    /// Never throws on damage: every fault becomes a `LedgerFault` in the report. A fault in
    /// an entry names the segment file and block offset holding its record, with its ordinal
    /// and id. A site opened read-only by ``openForVerify(at:logger:)`` is checked as far as
    /// its log continues; the structural damage that ended it is among the faults.
    public func verify(progress: ((Int) -> Void)? = nil) -> VerifyReport {
        var report = VerifyReport()
        report.faults += openFaults + quarantineFaults
        report.faults += log.verifyBlocks()
        report.faults += quarantineLog.verifyBlocks()
        var accumulator = MerkleRootAccumulator()
        var rootsAtSize: [Int: Hash32] = [:]
        let headSizes = Set(treeHeads.map { Int($0.treeSize) })
        var known: [Hash32: Set<Hash32>] = [:]
        var batch: [(Int, Entry)] = []
        var verifyCharter = try? NetworkCharter(genesis: charter.genesis)

        func flush() {
            let valid = EntryBatch.verify(batch.map(\.1))
            for ((ordinal, entry), ok) in zip(batch, valid) where !ok {
                report.faults.append(entryFault(ordinal: ordinal, entryID: entry.id, what: "signature does not verify for author \(entry.author.hex)"))
            }
            progress?(batch.count)
            batch.removeAll(keepingCapacity: true)
        }

        do {
            let storedLeaves = merkle.size
            try log.forEach(from: 0) { ordinal, bytes in
                report.entriesChecked += 1
                let leaf = MerkleHash.leaf(bytes)
                accumulator.append(leaf)
                if UInt64(ordinal) < storedLeaves, (try? merkle.leafHash(at: UInt64(ordinal))) != leaf {
                    report.faults.append(LedgerFault(file: "merkle/level-00.hashes", offset: Int64(ordinal) * 32, ordinal: Int64(ordinal),
                                                     what: "stored leaf hash \(ordinal) differs from the hash of the log's record"))
                }
                if headSizes.contains(ordinal + 1) { rootsAtSize[ordinal + 1] = accumulator.root }
                let entry: Entry
                do {
                    entry = try Entry.decode(bytes)
                } catch {
                    report.faults.append(entryFault(ordinal: ordinal, what: "entry does not decode: \(error)"))
                    return
                }
                if entry.networkID != networkID {
                    report.faults.append(entryFault(ordinal: ordinal, entryID: entry.id, what: "entry belongs to network \(entry.networkID.hex)"))
                }
                if entry.sequence == 0 && !entry.links.isEmpty {
                    report.faults.append(entryFault(ordinal: ordinal, entryID: entry.id, what: "an author's first entry (sequence 0) has links"))
                } else if entry.sequence > 0 && entry.links.isEmpty {
                    report.faults.append(entryFault(ordinal: ordinal, entryID: entry.id, what: "entry at sequence \(entry.sequence) links to no previous entry of its author"))
                }
                for link in entry.links where known[entry.author]?.contains(link) != true {
                    report.faults.append(entryFault(ordinal: ordinal, entryID: entry.id, what: "links to \(link.hex), which is not an earlier entry of author \(entry.author.hex) in the log (dropped or re-ordered entry)"))
                }
                if entry.author != siteKey, entry.kind != CharterKind.genesis, let charter = verifyCharter {
                    if case .member = charter.status(of: entry.author, at: entry.timestamp, sequence: entry.sequence) {} else {
                        report.faults.append(entryFault(ordinal: ordinal, entryID: entry.id, what: "author \(entry.author.hex) was not a member at the entry's time"))
                    }
                }
                if let event = Self.charterEvent(of: entry) { verifyCharter?.apply(event) }
                // In place: copying the set out and back would be quadratic.
                known[entry.author, default: []].insert(entry.id)
                batch.append((ordinal, entry))
                if batch.count >= 4096 { flush() }
            }
        } catch {
            report.faults.append(entryFault(ordinal: report.entriesChecked, what: "log cannot be read past this record: \(error)"))
        }
        flush()
        if headSizes.contains(0) { rootsAtSize[0] = MerkleHash.emptyRoot }

        var previousSize: UInt64 = 0
        for (index, head) in treeHeads.enumerated() {
            report.headsChecked += 1
            let where_ = Int64(index * TreeHeadFile.recordSize)
            if head.signer != siteKey || head.networkID != networkID || !head.isSignatureValid() {
                report.faults.append(LedgerFault(file: "heads.log", offset: where_, what: "tree head \(index) signature does not verify"))
            }
            if head.treeSize < previousSize {
                report.faults.append(LedgerFault(file: "heads.log", offset: where_, what: "tree head \(index) shrinks the tree from \(previousSize) to \(head.treeSize) (rolled back)"))
            }
            previousSize = head.treeSize
            if Int(head.treeSize) > report.entriesChecked {
                let setAside = setAsideFiles()
                let hint = setAside.isEmpty ? "" : "; recovery set damaged bytes aside in \(setAside.joined(separator: ", "))"
                report.faults.append(LedgerFault(file: "heads.log", offset: where_, what: "tree head \(index) covers \(head.treeSize) entries but the log holds \(report.entriesChecked) (entries removed)\(hint)"))
            } else if let root = rootsAtSize[Int(head.treeSize)], root != head.rootHash {
                report.faults.append(LedgerFault(file: "heads.log", offset: where_, what: "tree head \(index) (size \(head.treeSize)) does not match the tree rebuilt from the log: entries altered, removed or re-ordered"))
            }
        }
        if report.entriesChecked == log.count, let stored = try? merkle.root(), stored != accumulator.root {
            report.faults.append(LedgerFault(file: "merkle", offset: 0, what: "the stored Merkle tree's root differs from the tree rebuilt from the log"))
        }
        report.faults += verifyStoredNodes()
        return report
    }
}

extension SiteLedger {
    /// The files recovery wrote damaged or torn bytes to, relative to the data folder.
    func setAsideFiles() -> [String] {
        ["log", "quarantine"].flatMap { folder -> [String] in
            let names = files.names(in: layout.root + "/" + folder)
            return names.filter { $0.contains(".quarantine") }.sorted().map { folder + "/" + $0 }
        }
    }

    /// Checks every stored interior node against its two children, so no damaged node can
    /// hide outside the root's subtrees and serve invalid proofs (Specs/merkle-log.md §5).
    func verifyStoredNodes() -> [LedgerFault] {
        var faults: [LedgerFault] = []
        var level = 1
        while merkle.store.count(level: level) > 0 {
            for index in 0..<merkle.store.count(level: level) {
                guard let node = try? merkle.store.node(level: level, index: index),
                      let left = try? merkle.store.node(level: level - 1, index: 2 * index),
                      let right = try? merkle.store.node(level: level - 1, index: 2 * index + 1) else {
                    faults.append(LedgerFault(file: String(format: "merkle/level-%02d.hashes", level), offset: Int64(index) * 32,
                                              what: "node \(index) or its children cannot be read"))
                    continue
                }
                if MerkleHash.node(left, right) != node {
                    faults.append(LedgerFault(file: String(format: "merkle/level-%02d.hashes", level), offset: Int64(index) * 32,
                                              what: "stored node \(index) of level \(level) is not the hash of its children"))
                }
            }
            level += 1
        }
        return faults
    }
}

/// The RFC 9162 root of a growing list of leaf hashes, kept as its perfect subtrees.
struct MerkleRootAccumulator {
    private var stack: [(size: Int, hash: Hash32)] = []

    mutating func append(_ leafHash: Hash32) {
        var node = (size: 1, hash: leafHash)
        while let last = stack.last, last.size == node.size {
            stack.removeLast()
            node = (size: last.size * 2, hash: MerkleHash.node(last.hash, node.hash))
        }
        stack.append(node)
    }

    /// MTH of the leaves so far (RFC 9162 §2.1.1): the perfect subtrees folded from the right.
    var root: Hash32 {
        guard var acc = stack.last?.hash else { return MerkleHash.emptyRoot }
        for node in stack.dropLast().reversed() { acc = MerkleHash.node(node.hash, acc) }
        return acc
    }
}
