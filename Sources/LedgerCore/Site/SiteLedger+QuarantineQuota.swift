import Foundation
import Logging

/// The quarantine drops in force and the arrival place of each held entry
/// (Specs/site-layout.md §4.1).
struct QuarantineDropState {
    /// Quarantine ordinals dropped, per author.
    var hidden: [Hash32: [Range<UInt64>]] = [:]
    /// Entries dropped or refused, as the records say.
    var entries = 0
    /// Authors with at least one dropped or refused entry.
    var authors = Set<Hash32>()
    /// Whole records in `quarantine.dropped`: where the next one goes.
    var records = 0
    /// Per author, one past the highest sequence refused on arrival: a refusal below it was
    /// counted already (the same flood offered again by every sync is counted once).
    var refusedBelow: [Hash32: UInt64] = [:]
    /// The quarantine ordinal of each held entry (its first visible copy).
    var arrival: [Hash32: Int] = [:]

    /// Whether the copy of an entry by `author` at quarantine `ordinal` is dropped.
    func isDropped(author: Hash32, ordinal: Int) -> Bool {
        hidden[author]?.contains { $0.contains(UInt64(ordinal)) } ?? false
    }

    /// Takes a record into the state.
    mutating func apply(_ drop: QuarantineDrop) {
        if drop.from < drop.to { hidden[drop.author, default: []].append(drop.from..<drop.to) }
        if drop.from == drop.to && drop.to > 0 { refusedBelow[drop.author] = max(refusedBelow[drop.author] ?? 0, drop.to) }
        if drop.count > 0 {
            entries += Int(clamping: drop.count)
            authors.insert(drop.author)
        }
    }
}

extension SiteLedger {
    /// The quota this site holds its quarantine to: `site.json`'s, or the standard one.
    public var quarantineQuota: QuarantineQuota { metadata.quarantineQuota ?? .standard }

    /// What this site has dropped from its quarantine to stay within its quota, in all
    /// (persisted in `quarantine.dropped`; `status` and the report show it).
    public var quarantineDropped: QuarantineDropCount {
        QuarantineDropCount(entries: quarantineDrops.entries, authors: quarantineDrops.authors.count)
    }

    /// Reads `quarantine.dropped` into the drop state (called before the quarantine is loaded).
    func loadQuarantineDrops() throws {
        let contents = try QuarantineDropFile.readAll(from: layout.quarantineDropped, repair: !readOnly, files: files)
        quarantineDrops = QuarantineDropState()
        quarantineDrops.records = contents.records
        for drop in contents.drops { quarantineDrops.apply(drop) }
    }

    /// Splits entries about to be quarantined into those kept and, per author that is not
    /// admitted, a refusal record for those past its per-author quota. `entries` come
    /// sorted by author then sequence, so each author keeps its lowest sequences.
    /// - Parameter held: entries already held that stay quarantined.
    func limitNewQuarantine(_ entries: [Entry], held: [Entry]) -> (kept: [Entry], refused: [QuarantineDrop]) {
        let limit = quarantineQuota.perAuthor
        let unknown = { (entry: Entry) in self.trustReason(for: entry) == .unknownAuthor }
        let authors = Set(entries.filter(unknown).map(\.author))
        guard !authors.isEmpty else { return (entries, []) }
        var count: [Hash32: Int] = [:]
        for entry in held where authors.contains(entry.author) && unknown(entry) { count[entry.author, default: 0] += 1 }
        var kept: [Entry] = []
        var refused: [Hash32: (count: UInt64, below: UInt64)] = [:]
        for entry in entries {
            guard authors.contains(entry.author) && unknown(entry) else { kept.append(entry); continue }
            if count[entry.author, default: 0] < limit {
                count[entry.author, default: 0] += 1
                kept.append(entry)
                continue
            }
            let below = quarantineDrops.refusedBelow[entry.author] ?? 0
            var tally = refused[entry.author] ?? (0, below)
            if entry.sequence >= below { tally.count += 1 }
            tally.below = max(tally.below, entry.sequence &+ 1)
            refused[entry.author] = tally
        }
        // A refusal record: from = to = one past the highest sequence refused (an empty range:
        // nothing is hidden; Specs/site-layout.md §4.1).
        let records = refused.sorted { $0.key < $1.key }
            .filter { $0.value.count > 0 || $0.value.below > (quarantineDrops.refusedBelow[$0.key] ?? 0) }
            .map { QuarantineDrop(author: $0.key, from: $0.value.below, to: $0.value.below, count: $0.value.count) }
        return (kept, records)
    }

    /// Brings the quarantine within its quota and records `refused` (refusals of this
    /// ingest): per author that is not admitted, entries past its quota by arrival are
    /// dropped; then, while the total is over its quota, the author whose first held entry
    /// arrived earliest (ties: the lower key) is dropped whole. The records are made durable
    /// before memory forgets anything; if that write fails, nothing is forgotten (the site
    /// stays over quota until the next ingest or open) and a warning is logged.
    func settleQuarantine(refused: [QuarantineDrop]) {
        guard !readOnly else { return }
        let quota = quarantineQuota
        let end = UInt64(quarantineLog.count)
        var byAuthor: [Hash32: [(id: Hash32, ordinal: Int)]] = [:]
        for (id, held) in pendingQuarantine where held.reason == .unknownAuthor {
            byAuthor[held.entry.author, default: []].append((id, quarantineDrops.arrival[id] ?? Int.max))
        }
        var drops = refused
        var dropped: [Hash32] = []
        for author in byAuthor.keys.sorted() {
            guard var entries = byAuthor[author], entries.count > quota.perAuthor else { continue }
            entries.sort { ($0.ordinal, $0.id) < ($1.ordinal, $1.id) }
            let cut = entries[quota.perAuthor...]
            drops.append(QuarantineDrop(author: author, from: UInt64(clamping: cut.map(\.ordinal).min() ?? 0), to: end, count: UInt64(cut.count)))
            dropped += cut.map(\.id)
            byAuthor[author] = Array(entries[..<quota.perAuthor])
        }
        var total = byAuthor.values.reduce(0) { $0 + $1.count }
        let oldestFirst = byAuthor.filter { !$0.value.isEmpty }
            .map { (author: $0.key, first: $0.value.map(\.ordinal).min() ?? Int.max, entries: $0.value) }
            .sorted { ($0.first, $0.author) < ($1.first, $1.author) }
        for author in oldestFirst where total > quota.total {
            drops.append(QuarantineDrop(author: author.author, from: 0, to: end, count: UInt64(author.entries.count)))
            dropped += author.entries.map(\.id)
            total -= author.entries.count
        }
        guard !drops.isEmpty else { return }
        do {
            try QuarantineDropFile.write(drops, asRecord: quarantineDrops.records, to: layout.quarantineDropped, files: files)
        } catch {
            logger.warning("cannot record quarantine drops; the quarantine stays over its quota until the next ingest", metadata: ["error": "\(error)"])
            return
        }
        quarantineDrops.records += drops.count
        for drop in drops { quarantineDrops.apply(drop) }
        for id in dropped {
            pendingQuarantine[id] = nil
            quarantineDrops.arrival[id] = nil
        }
        let entries = drops.reduce(0) { $0 + Int(clamping: $1.count) }
        logger.warning("quarantine over its quota: dropped entries of authors that are not admitted",
                       metadata: ["dropped": "\(entries)", "authors": "\(Set(drops.map(\.author)).count)",
                                  "per_author": "\(quota.perAuthor)", "total": "\(quota.total)"])
    }
}
