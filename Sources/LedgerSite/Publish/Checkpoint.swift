import Crypto
import Foundation
import LedgerCore

extension SiteError.Code {
    /// A checkpoint whose origin line is not the name of the key it was checked against
    /// (C2SP tlog-checkpoint: the origin names the log and its key; Specs/static-log.md §4.1).
    public static let checkpointOriginMismatch = SiteError.Code("checkpoint_origin_mismatch")
}

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

    /// Parses a signed checkpoint and verifies the signature of `key`, whose name must be
    /// the checkpoint's origin.
    /// - Throws: `SiteError` `.invalidRequest` naming what is wrong, `.checkpointOriginMismatch`
    ///   when the origin line is not `key.name`.
    public static func open(_ note: [UInt8], verifiedBy key: NoteVerifierKey) throws -> Checkpoint {
        try openNote(note, verifiedBy: key).checkpoint
    }

    /// ``open(_:verifiedBy:)`` that also returns the signed text (final newline and any
    /// extension lines included), what a cosignature signs (tlog-cosignature): the note's
    /// signature is verified once for both.
    /// - Throws: as ``open(_:verifiedBy:)``.
    public static func openNote(_ note: [UInt8], verifiedBy key: NoteVerifierKey) throws -> (checkpoint: Checkpoint, text: [UInt8]) {
        let text = try SignedNote.open(note, verifiedBy: key)
        let lines = (String(validating: text, as: UTF8.self) ?? "").split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        guard lines.count >= 3, !lines.contains(where: \.isEmpty), let size = UInt64(lines[lines.startIndex + 1]),
              String(size) == lines[lines.startIndex + 1],
              let raw = Data(base64Encoded: String(lines[lines.startIndex + 2])), let root = Hash32(bytes: raw)
        else {
            throw SiteError(.invalidRequest, "the checkpoint's text is not origin, tree size and base64 root hash")
        }
        let origin = String(lines[lines.startIndex])
        guard origin == key.name else {
            throw SiteError(.checkpointOriginMismatch, "the checkpoint names origin \(origin), not its key's name \(key.name)")
        }
        return (Checkpoint(origin: origin, treeSize: size, rootHash: root), text)
    }
}
