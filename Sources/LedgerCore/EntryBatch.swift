import Crypto
import Dispatch
import Foundation
import LedgerPrimitives

/// Signs and verifies batches of entries on every core.
///
/// Each entry's id depends only on its own content, so a batch is split into contiguous
/// chunks and each chunk is encoded, hashed and signed (or decoded and verified)
/// independently with `DispatchQueue.concurrentPerform`. Results come back in input order.
/// Links between entries of the same batch must be known before signing: `signChain` builds
/// and hashes in order while other threads sign.
///
/// Every function here blocks the calling thread until the batch is done: call it from a
/// thread of your own or a `DispatchQueue`, not from the cooperative thread pool.
public enum EntryBatch {
    /// The outcome of checking one encoded entry.
    public enum Check: Sendable {
        /// The entry decoded and its signature verifies.
        case valid(Entry)
        /// The entry decoded but its signature does not verify.
        case badSignature(Entry)
        /// The bytes are not a canonical entry.
        case undecodable(CoreError)

        /// The entry, when it decoded and verified.
        public var validEntry: Entry? {
            if case .valid(let entry) = self { return entry }
            return nil
        }
    }

    /// How many threads to use: one per active core.
    public static var defaultParallelism: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// Signs every content with `keys`, in parallel; the result is in input order.
    ///
    /// - Throws: `CoreError` `.invalidKey` when a content's author is not `keys`' public key
    ///   (checked for the whole batch before any signing), `.signingFailed`.
    public static func sign(
        _ contents: [EntryContent], with keys: SiteKeys, parallelism: Int = defaultParallelism
    ) throws -> [Entry] {
        try signAll(authors: contents.map(\.author), with: keys, parallelism: parallelism) { contents[$0].prepare() }
    }

    /// Signs prepared entries (encoded and hashed in order by the caller), in parallel.
    ///
    /// - Throws: as `sign(_:with:parallelism:)`.
    public static func sign(
        prepared: [PreparedEntry], with keys: SiteKeys, parallelism: Int = defaultParallelism
    ) throws -> [Entry] {
        try signAll(authors: prepared.map(\.content.author), with: keys, parallelism: parallelism) { prepared[$0] }
    }

    /// Checks every author is `keys`' public key, then signs `item(i)` for each i in parallel.
    private static func signAll(
        authors: [Hash32], with keys: SiteKeys, parallelism: Int, item: @Sendable (Int) -> PreparedEntry
    ) throws -> [Entry] {
        for author in authors where author != keys.signingPublicKey {
            throw CoreError(.invalidKey, "the signing key \(keys.signingPublicKey.hex) is not the author \(author.hex) of an entry in the batch")
        }
        return try fillSigned(count: authors.count) { slots in
            ParallelFill.forEachChunk(count: authors.count, parallelism: parallelism, context: { privateCopy(of: keys) }) { signer, range in
                for i in range { sign(item(i), signer: signer, author: keys.signingPublicKey, into: slots, at: i) }
            }
        }
    }

    /// `ParallelFill.fill` for signing: a slot left unwritten (a bug) is `.signingFailed`.
    private static func fillSigned(count: Int, _ run: (ParallelFill.Slots<Entry>) throws -> Void) throws -> [Entry] {
        do {
            return try ParallelFill.fill(count: count, run)
        } catch let incomplete as ParallelFill.Incomplete {
            throw CoreError(.signingFailed, "a parallel batch finished with \(incomplete.missing) elements missing")
        }
    }

    /// Builds, hashes and signs a chain of entries, overlapping the in-order part with signing.
    ///
    /// `build(i, previous)` runs on the calling thread, in order, and returns the content of
    /// entry i; `previous` is the id of entry i - 1 of this batch (nil for i = 0), so each
    /// entry can link to the one before it. Every `chunkSize` prepared entries are handed to
    /// signing threads while the caller goes on building, so the hashing that must happen in
    /// order does not leave the other cores idle. This is the bulk-append path.
    /// A batch of at most `chunkSize` entries (a group commit) is signed on the calling thread:
    /// it would be one chunk signed after the last entry is built, so another thread would only
    /// add a hand-off and a copy of the key (which derives the public key again).
    /// - Throws: whatever `build` throws (no entries are returned then), or as `sign`.
    public static func signChain(
        count: Int, with keys: SiteKeys, chunkSize: Int = 256,
        build: (_ index: Int, _ previous: Hash32?) throws -> EntryContent
    ) throws -> [Entry] {
        if count <= chunkSize { return try signChainHere(count: count, with: keys, build: build) }
        let group = DispatchGroup()
        let queue = DispatchQueue.global(qos: .userInitiated)
        let author = keys.signingPublicKey
        return try fillSigned(count: count) { slots in
            // Every signing block must finish before `fill` reads the slots, even on a throw.
            defer { group.wait() }
            var previous: Hash32?
            var chunk = [PreparedEntry]()
            chunk.reserveCapacity(chunkSize)
            var chunkStart = 0
            func submit() {
                let work = chunk, start = chunkStart
                queue.async(group: group) {
                    let signer = privateCopy(of: keys)
                    for (offset, item) in work.enumerated() {
                        sign(item, signer: signer, author: author, into: slots, at: start + offset)
                    }
                }
                chunkStart += chunk.count
                chunk.removeAll(keepingCapacity: true)
            }
            for i in 0..<count {
                let item = try prepared(i, after: previous, by: author, build: build)
                previous = item.id
                chunk.append(item)
                if chunk.count == chunkSize { submit() }
            }
            if !chunk.isEmpty { submit() }
        }
    }

    /// ``signChain(count:with:chunkSize:build:)`` for a small batch: built, hashed and signed in
    /// order on the calling thread.
    private static func signChainHere(
        count: Int, with keys: SiteKeys, build: (_ index: Int, _ previous: Hash32?) throws -> EntryContent
    ) throws -> [Entry] {
        let author = keys.signingPublicKey
        var entries: [Entry] = []
        entries.reserveCapacity(count)
        var previous: Hash32?
        for i in 0..<count {
            let item = try prepared(i, after: previous, by: author, build: build)
            previous = item.id
            entries.append(try Entry.sign(item, signer: keys.signing, author: author))
        }
        return entries
    }

    /// Entry `index` of a chained batch: built from the id before it, checked to be by the
    /// signing key's `author`, and prepared (encoded and hashed) for signing.
    private static func prepared(
        _ index: Int, after previous: Hash32?, by author: Hash32,
        build: (_ index: Int, _ previous: Hash32?) throws -> EntryContent
    ) throws -> PreparedEntry {
        let content = try build(index, previous)
        guard content.author == author else {
            throw CoreError(.invalidKey, "the signing key \(author.hex) is not the author \(content.author.hex) of entry \(index) of the batch")
        }
        return content.prepare()
    }

    /// Verifies every entry's signature, in parallel; `result[i]` is entry i's verdict.
    public static func verify(_ entries: [Entry], parallelism: Int = defaultParallelism) -> [Bool] {
        let verdicts = try? ParallelFill.fill(count: entries.count) { (slots: ParallelFill.Slots<Bool>) in
            ParallelFill.forEachChunk(count: entries.count, parallelism: parallelism, context: {}) { _, range in
                for i in range { slots.put(entries[i].isSignatureValid(), at: i) }
            }
        }
        return verdicts ?? entries.map { $0.isSignatureValid() }
    }

    /// Decodes and verifies encoded entries, in parallel; `result[i]` is record i's verdict.
    public static func decodeAndVerify(_ records: [[UInt8]], parallelism: Int = defaultParallelism) -> [Check] {
        let checks = try? ParallelFill.fill(count: records.count) { (slots: ParallelFill.Slots<Check>) in
            ParallelFill.forEachChunk(count: records.count, parallelism: parallelism, context: {}) { _, range in
                for i in range { slots.put(check(records[i]), at: i) }
            }
        }
        return checks ?? records.map(check)
    }

    /// Decodes and verifies one record.
    static func check(_ record: [UInt8]) -> Check {
        do {
            let entry = try Entry.decode(record)
            return entry.isSignatureValid() ? .valid(entry) : .badSignature(entry)
        } catch let error as CoreError {
            return .undecodable(error)
        } catch {
            return .undecodable(CoreError(.malformedFile, "undecodable entry", underlying: error))
        }
    }

    /// Signs one item into its slot, or records the failure.
    static func sign(
        _ item: PreparedEntry, signer: Curve25519.Signing.PrivateKey, author: Hash32,
        into slots: ParallelFill.Slots<Entry>, at index: Int
    ) {
        do {
            slots.put(try Entry.sign(item, signer: signer, author: author), at: index)
        } catch let error as CoreError {
            slots.fail(error)
        } catch {
            slots.fail(CoreError(.signingFailed, "Ed25519 signing failed", entryID: item.id, underlying: error))
        }
    }

    /// A thread's own copy of the signing key (see `Entry.sign(_:signer:author:)`).
    static func privateCopy(of keys: SiteKeys) -> Curve25519.Signing.PrivateKey {
        (try? Curve25519.Signing.PrivateKey(rawRepresentation: keys.signing.rawRepresentation)) ?? keys.signing
    }
}
