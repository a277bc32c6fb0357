import Crypto
import Foundation
import LedgerCore

/// A static log's checkpoint: origin, tree size and root, as a C2SP signed note
/// (tlog-checkpoint, signed-note; Specs/static-log.md §4).
public struct Checkpoint: Hashable, Sendable {
    /// The log's identity (also the signing key's name).
    public var origin: String
    /// Leaves in the tree.
    public var treeSize: UInt64
    /// The RFC 9162 root at `treeSize`.
    public var rootHash: Hash32

    /// Creates a checkpoint body.
    public init(origin: String, treeSize: UInt64, rootHash: Hash32) {
        self.origin = origin; self.treeSize = treeSize; self.rootHash = rootHash
    }

    /// The note text that is signed: three lines, each ending in a newline.
    public var noteText: [UInt8] {
        Array("\(origin)\n\(treeSize)\n\(Data(rootHash.bytes).base64EncodedString())\n".utf8)
    }

    /// The signed note: the text, a blank line, one Ed25519 signature line by `key` named `origin`.
    /// - Throws: `SiteError` `.invalidRequest` when the origin cannot name a key or signing fails.
    public func signed(with key: Curve25519.Signing.PrivateKey) throws -> [UInt8] {
        try SignedNote.sign(noteText, name: origin, with: key)
    }

    /// Parses a signed checkpoint and verifies the signature of `key`.
    /// - Throws: `SiteError` `.invalidRequest` naming what is wrong.
    public static func open(_ note: [UInt8], verifiedBy key: NoteVerifierKey) throws -> Checkpoint {
        let text = try SignedNote.open(note, verifiedBy: key)
        let lines = (String(validating: text, as: UTF8.self) ?? "").split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        guard lines.count >= 3, !lines.contains(where: \.isEmpty), let size = UInt64(lines[lines.startIndex + 1]),
              String(size) == lines[lines.startIndex + 1],
              let raw = Data(base64Encoded: String(lines[lines.startIndex + 2])), let root = Hash32(bytes: raw)
        else {
            throw SiteError(.invalidRequest, "the checkpoint's text is not origin, tree size and base64 root hash")
        }
        return Checkpoint(origin: String(lines[lines.startIndex]), treeSize: size, rootHash: root)
    }
}
