import LedgerCore

/// The pure core of reconciliation: compares the peer's range reports with the local
/// set and decides the replies and the ids to send (Specs/sync-protocol.md §5.2).
struct RangeComparison {
    let set: ReconcilableSet
    let salt: [UInt8]

    /// The first reports of an exchange: the whole set as short ids when it is small,
    /// else the root's children.
    func opening() -> [RangeReport] {
        describe(.root, count: set.count, threshold: SyncProtocol.openingListThreshold)
    }

    /// Replies and ids-to-send for one flight of peer reports.
    func process(_ reports: [RangeReport]) -> (replies: [RangeReport], toSend: [Hash32]) {
        var replies: [RangeReport] = []
        var toSend: [Hash32] = []
        for report in reports {
            switch report {
            case .children(let prefix, let present, let fingerprints):
                let mine = set.childDigests(of: prefix)
                var next = 0
                for nibble in 0..<16 {
                    let child = prefix.child(nibble)
                    let theirs: UInt64?
                    if present & (1 << UInt16(15 - nibble)) != 0 {
                        theirs = fingerprints[next]
                        next += 1
                    } else {
                        theirs = nil
                    }
                    switch (theirs, mine[nibble]) {
                    case (nil, nil):
                        continue
                    case (nil, _?):
                        toSend.append(contentsOf: set.ids(in: child))
                    case (_?, nil):
                        replies.append(.ids(child, shortIDs: []))
                    case (let fp?, let digest?):
                        if fingerprint(digest.hash) != fp { replies.append(contentsOf: describe(child, count: digest.count)) }
                    }
                }
            case .ids(let prefix, let theirs):
                let mine = set.ids(in: prefix)
                if theirs.isEmpty {
                    // "Send everything in P" (a first sync asks for the root): no second copy.
                    if toSend.isEmpty { toSend = mine } else { toSend.append(contentsOf: mine) }
                    continue
                }
                let theirSet = Set(theirs)
                var mineShort = Set<UInt64>()
                mineShort.reserveCapacity(mine.count)
                for id in mine {
                    let short = SyncHashing.shortID(id, salt: salt)
                    mineShort.insert(short)
                    if !theirSet.contains(short) { toSend.append(id) }
                }
                let need = theirs.filter { !mineShort.contains($0) }
                if !need.isEmpty { replies.append(.need(prefix, shortIDs: need)) }
            case .need(let prefix, let wanted):
                let wantedSet = Set(wanted)
                for id in set.ids(in: prefix) where wantedSet.contains(SyncHashing.shortID(id, salt: salt)) {
                    toSend.append(id)
                }
            }
        }
        return (replies, toSend)
    }

    /// How this side describes a range it holds `count` ids in: a list when small, else children.
    private func describe(_ prefix: IdPrefix, count: Int, threshold: Int = SyncProtocol.listThreshold) -> [RangeReport] {
        if count <= threshold || prefix.depth == 64 {
            let shorts = Set(set.ids(in: prefix).map { SyncHashing.shortID($0, salt: salt) })
            return [.ids(prefix, shortIDs: shorts.sorted())]
        }
        let children = set.childDigests(of: prefix)
        var present: UInt16 = 0
        var fps: [UInt64] = []
        for nibble in 0..<16 {
            guard let digest = children[nibble] else { continue }
            present |= 1 << UInt16(15 - nibble)
            fps.append(fingerprint(digest.hash))
        }
        return [.children(prefix, present: present, fingerprints: fps)]
    }

    private func fingerprint(_ hash: Hash32) -> UInt64 {
        var value: UInt64 = 0
        for byte in SyncHashing.fingerprint(hash, salt: salt, length: SyncProtocol.fingerprintLength) {
            value = value << 8 | UInt64(byte)
        }
        return value
    }
}
