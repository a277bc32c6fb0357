import Crypto
import Dispatch
import Foundation

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
        for content in contents where content.author != keys.signingPublicKey {
            throw CoreError(.invalidKey, "the signing key \(keys.signingPublicKey.hex) is not the author \(content.author.hex) of an entry in the batch")
        }
        let results = parallelMap(count: contents.count, parallelism: parallelism, context: { privateCopy(of: keys) }) { signer, i in
            signResult(contents[i].prepare(), signer: signer, author: keys.signingPublicKey)
        }
        return try results.map { try $0.get() }
    }

    /// Signs prepared entries (encoded and hashed in order by the caller), in parallel.
    ///
    /// - Throws: as `sign(_:with:parallelism:)`.
    public static func sign(
        prepared: [PreparedEntry], with keys: SiteKeys, parallelism: Int = defaultParallelism
    ) throws -> [Entry] {
        for item in prepared where item.content.author != keys.signingPublicKey {
            throw CoreError(.invalidKey, "the signing key \(keys.signingPublicKey.hex) is not the author \(item.content.author.hex) of an entry in the batch")
        }
        let results = parallelMap(count: prepared.count, parallelism: parallelism, context: { privateCopy(of: keys) }) { signer, i in
            signResult(prepared[i], signer: signer, author: keys.signingPublicKey)
        }
        return try results.map { try $0.get() }
    }

    /// Builds, hashes and signs a chain of entries, overlapping the in-order part with signing.
    ///
    /// `build(i, previous)` runs on the calling thread, in order, and returns the content of
    /// entry i; `previous` is the id of entry i - 1 of this batch (nil for i = 0), so each
    /// entry can link to the one before it. Every `chunkSize` prepared entries are handed to
    /// signing threads while the caller goes on building, so the hashing that must happen in
    /// order does not leave the other cores idle. This is the bulk-append path.
    /// - Throws: whatever `build` throws (no entries are returned then), or as `sign`.
    public static func signChain(
        count: Int, with keys: SiteKeys, chunkSize: Int = 256,
        build: (_ index: Int, _ previous: Hash32?) throws -> EntryContent
    ) throws -> [Entry] {
        guard count > 0 else { return [] }
        let slots = UnsafeMutableBufferPointer<Result<Entry, CoreError>?>.allocate(capacity: count)
        slots.initialize(repeating: nil)
        defer {
            slots.deinitialize()
            slots.deallocate()
        }
        let shared = SharedSlots(slots)
        let group = DispatchGroup()
        let queue = DispatchQueue.global(qos: .userInitiated)
        var previous: Hash32?
        var chunk = [PreparedEntry]()
        chunk.reserveCapacity(chunkSize)
        var chunkStart = 0
        func submit() {
            let work = chunk, start = chunkStart
            queue.async(group: group) {
                let signer = privateCopy(of: keys)
                for (offset, item) in work.enumerated() {
                    shared.store(signResult(item, signer: signer, author: keys.signingPublicKey), at: start + offset)
                }
            }
            chunkStart += chunk.count
            chunk.removeAll(keepingCapacity: true)
        }
        do {
            for i in 0..<count {
                let content = try build(i, previous)
                guard content.author == keys.signingPublicKey else {
                    throw CoreError(.invalidKey, "the signing key \(keys.signingPublicKey.hex) is not the author \(content.author.hex) of entry \(i) of the batch")
                }
                let item = content.prepare()
                previous = item.id
                chunk.append(item)
                if chunk.count == chunkSize { submit() }
            }
            if !chunk.isEmpty { submit() }
        } catch {
            group.wait()
            throw error
        }
        group.wait()
        var out = [Entry]()
        out.reserveCapacity(count)
        for i in 0..<count {
            guard let result = slots[i] else {
                throw CoreError(.signingFailed, "entry \(i) of the batch was not signed")
            }
            out.append(try result.get())
        }
        return out
    }

    /// Verifies every entry's signature, in parallel; `result[i]` is entry i's verdict.
    public static func verify(_ entries: [Entry], parallelism: Int = defaultParallelism) -> [Bool] {
        parallelMap(count: entries.count, parallelism: parallelism) { i in entries[i].isSignatureValid() }
    }

    /// Decodes and verifies encoded entries, in parallel; `result[i]` is record i's verdict.
    public static func decodeAndVerify(_ records: [[UInt8]], parallelism: Int = defaultParallelism) -> [Check] {
        parallelMap(count: records.count, parallelism: parallelism) { i -> Check in
            do {
                let entry = try Entry.decode(records[i])
                return entry.isSignatureValid() ? .valid(entry) : .badSignature(entry)
            } catch let error as CoreError {
                return .undecodable(error)
            } catch {
                return .undecodable(CoreError(.malformedFile, "undecodable entry", underlying: error))
            }
        }
    }

    /// One signing result, errors wrapped as `CoreError`.
    static func signResult(_ item: PreparedEntry, signer: Curve25519.Signing.PrivateKey, author: Hash32) -> Result<Entry, CoreError> {
        do { return .success(try Entry.sign(item, signer: signer, author: author)) } catch let error as CoreError {
            return .failure(error)
        } catch {
            return .failure(CoreError(.signingFailed, "Ed25519 signing failed", underlying: error))
        }
    }

    /// A thread's own copy of the signing key (see `Entry.sign(_:signer:author:)`).
    static func privateCopy(of keys: SiteKeys) -> Curve25519.Signing.PrivateKey {
        (try? Curve25519.Signing.PrivateKey(rawRepresentation: keys.signing.rawRepresentation)) ?? keys.signing
    }

    /// Runs `body(i)` for i in 0..<count on up to `parallelism` threads, results in order.
    static func parallelMap<T: Sendable>(
        count: Int, parallelism: Int, _ body: @Sendable (Int) -> T
    ) -> [T] {
        parallelMap(count: count, parallelism: parallelism, context: { () }) { _, i in body(i) }
    }

    /// `parallelMap` where each chunk first makes a `context` of its own (e.g. a key copy).
    static func parallelMap<C, T: Sendable>(
        count: Int, parallelism: Int, context: @Sendable () -> C, _ body: @Sendable (C, Int) -> T
    ) -> [T] {
        guard count > 0 else { return [] }
        let threads = max(1, min(parallelism, count))
        // Several chunks per thread, so a thread slowed by other load does not hold the rest up.
        let chunks = threads == 1 ? 1 : min(count, threads * 8)
        let slots = UnsafeMutableBufferPointer<T?>.allocate(capacity: count)
        slots.initialize(repeating: nil)
        defer { slots.deallocate() }
        let shared = SharedSlots(slots)
        if chunks == 1 {
            let local = context()
            for i in 0..<count { shared.store(body(local, i), at: i) }
        } else {
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                let start = count * chunk / chunks
                let end = count * (chunk + 1) / chunks
                let local = context()
                for i in start..<end { shared.store(body(local, i), at: i) }
            }
        }
        var out = [T]()
        out.reserveCapacity(count)
        for i in 0..<count {
            if let value = slots[i] { out.append(value) }
        }
        slots.deinitialize()
        return out
    }
}

/// Result slots written by concurrent chunks.
// @unchecked Sendable: every index is written by exactly one chunk, and read only after
// concurrentPerform returns (which orders all writes before the reads).
private struct SharedSlots<T>: @unchecked Sendable {
    let base: UnsafeMutableBufferPointer<T?>
    init(_ base: UnsafeMutableBufferPointer<T?>) { self.base = base }
    func store(_ value: T, at index: Int) { base[index] = value }
}
