import Foundation
import LedgerCore
import TestSupport
import Testing

/// The file-backed node store: same answers as memory, reopens without rehashing, and
/// repairs what a crash can leave (torn last hash, upper levels behind or ahead).
@Suite struct FileMerkleNodeStoreTests {
    static let seed: UInt64 = 0xF11E_5702E

    static func leaves(_ count: Int, _ rng: inout SeededGenerator) -> [Hash32] {
        (0..<count).map { _ in MerkleHash.leaf(rng.bytes(8)) }
    }

    @Test func aFileTreeAgreesWithAMemoryTreeAtEverySizeAndAfterReopening() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var rng = SeededGenerator(seed: Self.seed)
        let leaves = Self.leaves(5_000, &rng)
        var memory = try MerkleTree(store: InMemoryMerkleNodeStore())
        var file = try MerkleTree(store: try FileMerkleNodeStore(directory: dir.path))
        for (i, leaf) in leaves.enumerated() {
            try memory.append(leafHash: leaf)
            try file.append(leafHash: leaf)
            if i % 997 == 0 { try file.sync() }
            if i < 200 || i % 613 == 0 {
                #expect(try file.root() == memory.root(), "size \(i + 1), seed \(Self.seed)")
            }
        }
        try file.sync()
        let reopened = try MerkleTree(store: try FileMerkleNodeStore(directory: dir.path))
        #expect(reopened.size == 5_000)
        #expect(try reopened.root() == memory.root())
        for size: UInt64 in [1, 2, 3, 1_000, 4_096, 4_097, 4_999] {
            #expect(try reopened.root(atSize: size) == memory.root(atSize: size))
            #expect(try reopened.inclusionProof(leafIndex: size - 1, treeSize: size) == memory.inclusionProof(leafIndex: size - 1, treeSize: size))
            #expect(try reopened.consistencyProof(from: size, to: 5_000) == memory.consistencyProof(from: size, to: 5_000))
        }
    }

    @Test func unsyncedAppendsAreReadableBeforeSyncAndGoneAfterACrash() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var rng = SeededGenerator(seed: Self.seed &+ 1)
        let leaves = Self.leaves(100, &rng)
        do {
            var tree = try MerkleTree(store: try FileMerkleNodeStore(directory: dir.path))
            for leaf in leaves[..<60] { try tree.append(leafHash: leaf) }
            try tree.sync()
            for leaf in leaves[60...] { try tree.append(leafHash: leaf) }
            #expect(tree.size == 100)
            // Dropped without sync: as if the process died.
        }
        let reopened = try MerkleTree(store: try FileMerkleNodeStore(directory: dir.path))
        #expect(reopened.size == 60)
        var memory = try MerkleTree(store: InMemoryMerkleNodeStore())
        for leaf in leaves[..<60] { try memory.append(leafHash: leaf) }
        #expect(try reopened.root() == memory.root())
    }

    @Test func aTornLastHashAndLaggingOrRunawayUpperLevelsAreRepairedOnOpen() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var rng = SeededGenerator(seed: Self.seed &+ 2)
        let leaves = Self.leaves(300, &rng)
        var memory = try MerkleTree(store: InMemoryMerkleNodeStore())
        do {
            var tree = try MerkleTree(store: try FileMerkleNodeStore(directory: dir.path))
            for leaf in leaves {
                try tree.append(leafHash: leaf)
                try memory.append(leafHash: leaf)
            }
            try tree.sync()
        }
        // A torn write on level 0 (half a hash), level 1 cut back (lagging), and level 3
        // holding a node level 2 cannot justify (runaway, as after out-of-order writeback).
        let level0 = dir.path + "/level-00.hashes", level1 = dir.path + "/level-01.hashes", level3 = dir.path + "/level-03.hashes"
        try Self.append([UInt8](repeating: 0xAB, count: 16), to: level0)
        try Self.truncate(level1, to: 32 * 100)
        try Self.append([UInt8](repeating: 0xCD, count: 32), to: level3)
        let repaired = try MerkleTree(store: try FileMerkleNodeStore(directory: dir.path))
        #expect(repaired.size == 300)
        #expect(try repaired.root() == memory.root())
        #expect(try repaired.inclusionProof(leafIndex: 5, treeSize: 300) == memory.inclusionProof(leafIndex: 5, treeSize: 300))
    }

    @Test func truncatingTheTreeDropsLeavesAndTheirParents() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var rng = SeededGenerator(seed: Self.seed &+ 3)
        let leaves = Self.leaves(70, &rng)
        var file = try MerkleTree(store: try FileMerkleNodeStore(directory: dir.path))
        var memory = try MerkleTree(store: InMemoryMerkleNodeStore())
        for leaf in leaves { try file.append(leafHash: leaf) }
        try file.sync()
        try file.truncate(toSize: 33)
        for leaf in leaves[..<33] { try memory.append(leafHash: leaf) }
        #expect(file.size == 33)
        #expect(try file.root() == memory.root())
        // Appending after a truncation continues correctly, and survives reopening.
        for leaf in leaves[33...] {
            try file.append(leafHash: leaf)
            try memory.append(leafHash: leaf)
        }
        try file.sync()
        #expect(try MerkleTree(store: try FileMerkleNodeStore(directory: dir.path)).root() == memory.root())
    }

    static func append(_ bytes: [UInt8], to path: String) throws {
        let handle = try #require(FileHandle(forWritingAtPath: path))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(bytes))
    }

    static func truncate(_ path: String, to size: UInt64) throws {
        let handle = try #require(FileHandle(forWritingAtPath: path))
        defer { try? handle.close() }
        try handle.truncate(atOffset: size)
    }
}
