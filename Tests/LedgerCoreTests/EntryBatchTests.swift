import LedgerCore
import TestSupport
import Testing

/// Parallel signing and verification give the same results as one entry at a time.
@Suite struct EntryBatchTests {
    static let seed: UInt64 = 0xBA7C4

    @Test func aChainSignedInParallelEqualsOneSignedInOrder() throws {
        var rng = SeededGenerator(seed: Self.seed)
        let keys = try Fixtures.keys(&rng)
        let sequential = try Fixtures.chain(300, keys: keys, rng: &rng)
        let parallel = try EntryBatch.signChain(count: sequential.count, with: keys, chunkSize: 7) { i, previous in
            #expect(previous == (i == 0 ? nil : sequential[i - 1].id))
            return sequential[i].content
        }
        #expect(parallel == sequential)
        let prepared = try EntryBatch.sign(prepared: sequential.map { $0.content.prepare() }, with: keys)
        #expect(prepared == sequential)
        let plain = try EntryBatch.sign(sequential.map(\.content), with: keys, parallelism: 3)
        #expect(plain == sequential)
        #expect(EntryBatch.verify(sequential).allSatisfy { $0 })
    }

    @Test func verifyingABatchReportsExactlyTheBadEntries() throws {
        var rng = SeededGenerator(seed: Self.seed &+ 1)
        let keys = try Fixtures.keys(&rng)
        let entries = try Fixtures.chain(120, keys: keys, rng: &rng)
        var records = entries.map(\.encoded)
        let corrupted: Set<Int> = [0, 17, 64, 119]
        for i in corrupted { records[i][records[i].count - 1] ^= 0x01 }
        records[50] = Array(records[50].dropLast())
        let checks = EntryBatch.decodeAndVerify(records)
        #expect(checks.count == records.count)
        for (i, check) in checks.enumerated() {
            switch check {
            case .valid(let entry):
                #expect(!corrupted.contains(i) && i != 50)
                #expect(entry == entries[i])
            case .badSignature(let entry):
                #expect(corrupted.contains(i))
                #expect(entry.id == entries[i].id)
            case .undecodable(let error):
                #expect(i == 50)
                #expect(error.code == .truncated)
            }
        }
    }

    @Test func aBatchWithAnotherAuthorsContentIsRefusedWhole() throws {
        var rng = SeededGenerator(seed: Self.seed &+ 2)
        let alice = try Fixtures.keys(&rng)
        let bob = try Fixtures.keys(&rng)
        let bobs = try Fixtures.chain(3, keys: bob, rng: &rng)
        #expect(throws: CoreError.self) { try EntryBatch.sign(bobs.map(\.content), with: alice) }
        #expect(throws: CoreError.self) {
            try EntryBatch.signChain(count: 3, with: alice) { i, _ in bobs[i].content }
        }
        #expect(try EntryBatch.signChain(count: 0, with: alice) { i, _ in bobs[i].content }.isEmpty)
    }

    @Test func aBatchOfAtMostOneChunkIsSignedOnTheCallingThreadAsTheChunkedPathSignsIt() throws {
        var rng = SeededGenerator(seed: Self.seed &+ 4)
        let keys = try Fixtures.keys(&rng)
        let chain = try Fixtures.chain(16, keys: keys, rng: &rng)
        for count in [1, 15, 16] {
            let here = try EntryBatch.signChain(count: count, with: keys, chunkSize: 16) { i, previous in
                #expect(previous == (i == 0 ? nil : chain[i - 1].id))
                return chain[i].content
            }
            let chunked = try EntryBatch.signChain(count: count, with: keys, chunkSize: 1) { i, _ in chain[i].content }
            #expect(here == Array(chain.prefix(count)), "count \(count)")
            #expect(chunked == here, "count \(count)")
        }
        #expect(throws: BuildFailure.self) {
            try EntryBatch.signChain(count: 16, with: keys) { i, _ in
                if i == 9 { throw BuildFailure() }
                return chain[i].content
            }
        }
    }

    struct BuildFailure: Error {}

    @Test func aBuilderThatFailsMidwayYieldsNoEntriesAndItsError() throws {
        var rng = SeededGenerator(seed: Self.seed &+ 3)
        let keys = try Fixtures.keys(&rng)
        let chain = try Fixtures.chain(40, keys: keys, rng: &rng)
        #expect(throws: BuildFailure.self) {
            try EntryBatch.signChain(count: 40, with: keys, chunkSize: 4) { i, _ in
                if i == 29 { throw BuildFailure() }
                return chain[i].content
            }
        }
        // The same batch without the failure signs completely, and in order.
        let signed = try EntryBatch.signChain(count: 40, with: keys, chunkSize: 4) { i, _ in chain[i].content }
        #expect(signed == chain)
    }
}
