import Crypto
import Foundation
import LedgerCore
import LedgerSite
import TestSupport
import Testing

/// Tests/Vectors/static-log.json, made by Tests/Tools/make_static_log_vectors.py from the C2SP texts.
struct StaticLogVectors: Decodable {
    struct CheckpointVector: Decodable {
        let seed: String, publicKey: String, networkId: String, origin: String, treeSize: UInt64, rootHash: String
        let keyId: String, verifierKey: String, note: String
    }
    struct File: Decodable { let path: String, size: Int, sha256: String }
    struct Tiles: Decodable { let treeSize: UInt64, rootHash: String, files: [File] }
    struct Level: Decodable { let level: Int, full: UInt64, partialWidth: Int }
    struct Sizes: Decodable { let treeSize: UInt64, rootHash: String, hashTiles: [Level] }
    struct NoteExample: Decodable { let verifierKey: String, note: String }
    struct CosignatureVector: Decodable { let seed: String, publicKey: String, name: String, timestamp: UInt64, keyId: String, line: String }
    let checkpoint: CheckpointVector
    let cosignature: CosignatureVector
    let tiles: Tiles
    let sizes: Sizes
    let noteExample: NoteExample

    static func load() throws -> StaticLogVectors {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Vectors/static-log.json")
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(StaticLogVectors.self, from: Data(contentsOf: url))
    }

    /// The vector's leaf `i`: the ASCII text `leaf-<i>`.
    static func leaf(_ i: Int) -> [UInt8] { Array("leaf-\(i)".utf8) }
}

/// Feeds `count` vector leaves to a builder and returns every file it emits, last version of each path.
func buildTiles(leaves count: Int) -> (files: [String: [UInt8]], root: Hash32) {
    var builder = TileBuilder(size: 0, upperPartials: [])
    var files: [String: [UInt8]] = [:]
    for i in 0..<count {
        for output in builder.add(StaticLogVectors.leaf(i)) { files[output.tile.path] = output.bytes }
    }
    let (partials, root) = builder.finish()
    for output in partials { files[output.tile.path] = output.bytes }
    return (files, root)
}

@Suite("Static log: tile arithmetic and checkpoints against the C2SP vectors")
struct StaticLogVectorTests {
    @Test("tile indices are written as zero-padded three-digit groups, all but the last prefixed with x")
    func tilePaths() {
        #expect(TileCoordinates.encodedIndex(0) == "000")
        #expect(TileCoordinates.encodedIndex(5) == "005")
        #expect(TileCoordinates.encodedIndex(999) == "999")
        #expect(TileCoordinates.encodedIndex(1000) == "x001/000")
        #expect(TileCoordinates.encodedIndex(1_234_067) == "x001/x234/067")
        #expect(TileCoordinates(level: 0, index: 1_234_067, width: 256).path == "tile/0/x001/x234/067")
        #expect(TileCoordinates(level: 2, index: 3, width: 17).path == "tile/2/003.p/17")
        #expect(TileCoordinates(entriesIndex: 1000, width: 1).path == "tile/entries/x001/000.p/1")
        #expect(TileCoordinates(entriesIndex: 7, width: 256).path == "tile/entries/007")
    }

    @Test("a tile path parses back to its tile, and a path tlog-tiles would not write is refused")
    func parsePaths() {
        for tile in [TileCoordinates(level: 0, index: 0, width: 256), TileCoordinates(level: 3, index: 1_234_067, width: 17),
                     TileCoordinates(entriesIndex: 999, width: 1), TileCoordinates(entriesIndex: 1000, width: 256),
                     TileCoordinates(level: 63, index: UInt64.max, width: 255)] {
            #expect(TileCoordinates(path: tile.path) == tile, "\(tile.path)")
        }
        for path in ["checkpoint", "tile/0/00", "tile/0/0000", "tile/00/000", "tile/64/000", "tile/0/x000/001", "tile/0/001/002",
                     "tile/0/000.p/0", "tile/0/000.p/256", "tile/0/000.p/01", "tile/0/../000", "tile/entries/000.p/", "tile/0/x1/000",
                     "tile/0/x018/x446/x744/x073/x709/x551/616", "tile/0/x018/x446/x744/x073/x709/x551/x615/000", "tile//000"] {
            #expect(TileCoordinates(path: path) == nil, "\(path)")
        }
    }

    @Test("a tree of 70,000 leaves has the tiles tlog-tiles lists, and the tiles hash to its root")
    func seventyThousand() throws {
        let vector = try StaticLogVectors.load().sizes
        #expect(TileCoordinates.levels(treeSize: vector.treeSize) == vector.hashTiles.count)
        for level in vector.hashTiles {
            let tiles = TileCoordinates.tiles(level: level.level, treeSize: vector.treeSize)
            #expect(tiles.full == level.full && tiles.partialWidth == level.partialWidth, "level \(level.level)")
        }
        #expect(buildTiles(leaves: Int(vector.treeSize)).root.hex == vector.rootHash)
        #expect(TileCoordinates.tiles(level: 0, treeSize: 256) == (1, 0))
        #expect(TileCoordinates.tiles(level: 1, treeSize: 256) == (0, 1))
    }

    @Test("the tiles and bundles of 300 leaves are the vector's files, byte for byte")
    func threeHundredLeaves() throws {
        let vector = try StaticLogVectors.load().tiles
        let built = buildTiles(leaves: Int(vector.treeSize))
        #expect(built.root.hex == vector.rootHash)
        #expect(Set(built.files.keys) == Set(vector.files.map(\.path)))
        #expect(Set(TileCoordinates.all(treeSize: vector.treeSize).map(\.path)) == Set(vector.files.map(\.path)))
        for file in vector.files {
            let bytes = built.files[file.path] ?? []
            #expect(bytes.count == file.size && Hash32.sha256(bytes).hex == file.sha256, "\(file.path)")
        }
    }

    @Test("a checkpoint signed with the vector's seed is the vector's note byte for byte, with its key ID and verifier key")
    func checkpointBytes() throws {
        let vector = try StaticLogVectors.load().checkpoint
        let seed = try #require(Hash32(hex: vector.seed))
        let key = try Curve25519.Signing.PrivateKey(rawRepresentation: seed.bytes)
        let publicKey = try #require(Hash32(hex: vector.publicKey))
        let networkID = try #require(Hash32(hex: vector.networkId))
        #expect(LogOrigin(network: networkID, site: publicKey).text == vector.origin)
        let checkpoint = Checkpoint(origin: vector.origin, treeSize: vector.treeSize, rootHash: try #require(Hash32(hex: vector.rootHash)))
        let note = try checkpoint.signed(with: key)
        #expect(note == Array(vector.note.utf8))
        let noteKey = StaticLogPublisher.verifierKey(origin: vector.origin, siteKey: publicKey)
        #expect(String(format: "%08x", noteKey.keyID) == vector.keyId)
        #expect(noteKey.verifierKey == vector.verifierKey)
        #expect(NoteVerifierKey(verifierKey: vector.verifierKey) == noteKey)
        #expect(try Checkpoint.open(note, verifiedBy: noteKey) == checkpoint)
    }

    @Test("a checkpoint is refused when a byte changes, when only another key signed it, or when its key ID is wrong")
    func checkpointRefusals() throws {
        let vector = try StaticLogVectors.load().checkpoint
        let noteKey = try #require(NoteVerifierKey(verifierKey: vector.verifierKey))
        let note = Array(vector.note.utf8)
        var flipped = note
        flipped[vector.origin.utf8.count + 1] = UInt8(ascii: "4")  // the size 300 becomes 400
        #expect(throws: SiteError.self) { try Checkpoint.open(flipped, verifiedBy: noteKey) }
        let other = StaticLogPublisher.verifierKey(origin: vector.origin, siteKey: Hash32.sha256(Array("other".utf8)))
        #expect(throws: SiteError.self) { try Checkpoint.open(note, verifiedBy: other) }
        var wrongID = vector.verifierKey
        wrongID.replaceSubrange(try #require(wrongID.range(of: "+" + vector.keyId)), with: "+00000000")
        #expect(NoteVerifierKey(verifierKey: wrongID) == nil)
        // A signature by an unknown key beside the right one is ignored.
        let text = Checkpoint(origin: vector.origin, treeSize: vector.treeSize, rootHash: try #require(Hash32(hex: vector.rootHash))).noteText
        let stranger = try SignedNote.sign(text, name: "stranger.example/x", with: Curve25519.Signing.PrivateKey())
        let strangerLine = try #require(String(decoding: stranger, as: UTF8.self).split(separator: "\n").last)
        let cosigned = note + Array((strangerLine + "\n").utf8)
        #expect(throws: Never.self) { try Checkpoint.open(cosigned, verifiedBy: noteKey) }
    }

    @Test("a cosignature of the vector checkpoint with the witness seed is the vector's line, and verifies with its timestamp")
    func cosignatureBytes() throws {
        let vectors = try StaticLogVectors.load()
        let vector = vectors.cosignature
        let key = try Curve25519.Signing.PrivateKey(rawRepresentation: try #require(Hash32(hex: vector.seed)).bytes)
        let publicKey = try #require(Hash32(hex: vector.publicKey))
        #expect(String(format: "%08x", Cosignature.keyID(name: vector.name, publicKey: publicKey)) == vector.keyId)
        let text = Array(vectors.checkpoint.note.utf8.prefix { $0 != 0 })
        let body = try SignedNote.open(text, verifiedBy: try #require(NoteVerifierKey(verifierKey: vectors.checkpoint.verifierKey)))
        let line = try Cosignature.sign(checkpointText: body, name: vector.name, timestamp: vector.timestamp, with: key)
        #expect(line == vector.line)
        let cosigned = text + Array((line + "\n").utf8)
        #expect(try Cosignature.verify(cosigned, name: vector.name, publicKey: publicKey) == vector.timestamp)
        #expect(try Cosignature.verify(text, name: vector.name, publicKey: publicKey) == nil)
        var forged = Array(line.utf8)
        forged[forged.count - 6] = forged[forged.count - 6] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        #expect(throws: SiteError.self) { try Cosignature.verify(text + forged + [0x0a], name: vector.name, publicKey: publicKey) }
    }

    @Test("every one-byte change and every truncation of the vector checkpoint is refused")
    func checkpointMutations() throws {
        let vector = try StaticLogVectors.load().checkpoint
        let key = try #require(NoteVerifierKey(verifierKey: vector.verifierKey))
        let note = Array(vector.note.utf8)
        for offset in note.indices {
            for change: UInt8 in [0x01, 0x20, 0x80] {
                var mutated = note
                mutated[offset] ^= change
                #expect(throws: SiteError.self, "byte \(offset) ^ \(change)") { try Checkpoint.open(mutated, verifiedBy: key) }
            }
            #expect(throws: SiteError.self, "cut at \(offset)") { try Checkpoint.open(Array(note[..<offset]), verifiedBy: key) }
        }
    }

    @Test("random paths never parse to a tile whose path is another, and entry bundles cut anywhere are refused")
    func pathsAndBundles() {
        var random = SeededGenerator(seed: 1905)
        let alphabet = Array("tile/entries0123456789xp.".utf8)
        for _ in 0..<20_000 {
            let path = String(decoding: (0..<Int.random(in: 0...24, using: &random)).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &random)] },
                              as: UTF8.self)
            if let tile = TileCoordinates(path: path) { #expect(tile.path == path, "seed 1905: \(path)") }
        }
        let entries: [[UInt8]] = [[], [1], Array(repeating: 7, count: 300)]
        var bundle: [UInt8] = []
        for entry in entries { bundle += [UInt8(entry.count >> 8), UInt8(entry.count & 0xff)] + entry }
        #expect(EntryBundle.decode(bundle) == entries)
        for cut in 1..<bundle.count where ![2, 5].contains(cut) {
            #expect(EntryBundle.decode(Array(bundle[..<cut])) == nil, "cut at \(cut)")
        }
    }

    @Test("signed-note's own example verifies with its verifier key (key ID 530d903a)")
    func signedNoteExample() throws {
        let vector = try StaticLogVectors.load().noteExample
        let key = try #require(NoteVerifierKey(verifierKey: vector.verifierKey))
        #expect(key.keyID == 0x530d_903a)
        #expect(try SignedNote.open(Array(vector.note.utf8), verifiedBy: key) == Array("This is an example message.\n".utf8))
    }

    @Test("the tiles hash to the RFC 9162 root at every size, and a builder restarted from any size's partial tiles emits the same files")
    func rootsAndRestarts() throws {
        var random = SeededGenerator(seed: 19)
        var tree = try MerkleTree(store: InMemoryMerkleNodeStore())
        var builder = TileBuilder(size: 0, upperPartials: [])
        var files: [String: [UInt8]] = [:]
        let total = 70_000
        let checkpoints = Set((0..<40).map { _ in Int.random(in: 1...total, using: &random) } + [1, 255, 256, 257, 65_535, 65_536, 65_537])
        for i in 0..<total {
            try tree.append(leaf: StaticLogVectors.leaf(i))
            for output in builder.add(StaticLogVectors.leaf(i)) { files[output.tile.path] = output.bytes }
            guard checkpoints.contains(i + 1) else { continue }
            let (partials, root) = builder.finish()
            #expect(root == (try tree.root()), "size \(i + 1), seed 19")
            // Restart from this size's partial tiles (as a publish reads them back) and go on a little.
            var upper: [[Hash32]] = []
            for level in 1..<max(1, TileCoordinates.levels(treeSize: UInt64(i + 1))) {
                let width = TileCoordinates.tiles(level: level, treeSize: UInt64(i + 1)).partialWidth
                let tile = partials.first { !$0.tile.isEntryBundle && $0.tile.level == level && width > 0 }
                upper.append(tile.flatMap { TileHashing.decode($0.bytes) } ?? [])
            }
            var restarted = TileBuilder(size: UInt64(i + 1), upperPartials: upper)
            var original = builder
            let end = min(total, i + 300)
            for j in Int(restarted.firstLeaf)..<end {
                let again = restarted.add(StaticLogVectors.leaf(j))
                if j > i { #expect(again == original.add(StaticLogVectors.leaf(j)), "leaf \(j) after a restart at \(i + 1)") }
            }
            #expect(restarted.finish().root == original.finish().root, "restart at \(i + 1)")
        }
    }
}
