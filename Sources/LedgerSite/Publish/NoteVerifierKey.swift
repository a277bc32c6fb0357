import Crypto
import Foundation
import LedgerCore

/// An Ed25519 key as C2SP signed-note names it: a key name, a key ID and the public key
/// (Specs/static-log.md §4.2).
public struct NoteVerifierKey: Hashable, Sendable {
    /// The signature type byte of Ed25519 note signatures.
    public static let ed25519Type: UInt8 = 0x01

    /// The key name (for a checkpoint: the log's origin).
    public let name: String
    /// The Ed25519 public key, 32 bytes.
    public let publicKey: Hash32

    /// Names a key; check the name with ``isValidName(_:)``.
    public init(name: String, publicKey: Hash32) {
        self.name = name
        self.publicKey = publicKey
    }

    /// The key ID: the first four bytes, big-endian, of
    /// SHA-256(name || 0x0A || 0x01 || public key).
    public var keyID: UInt32 {
        let digest = Hash32.sha256(Array(name.utf8) + [0x0a, Self.ed25519Type] + publicKey.bytes).bytes
        return digest[0..<4].reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// The verifier key string: `<name>+<hex key ID>+<base64(0x01 || public key)>`.
    public var verifierKey: String {
        let id = String(keyID, radix: 16)
        return name + "+" + String(repeating: "0", count: 8 - id.count) + id + "+"
            + Data([Self.ed25519Type] + publicKey.bytes).base64EncodedString()
    }

    /// Parses a verifier key string, checking its key ID against its name and key.
    /// - Returns: nil for anything but a well-formed Ed25519 verifier key whose ID matches.
    public init?(verifierKey text: String) {
        let parts = text.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, Self.isValidName(String(parts[0])), parts[1].count == 8,
              let id = UInt32(parts[1], radix: 16),
              let raw = Data(base64Encoded: String(parts[2])), raw.count == 33, raw.first == Self.ed25519Type,
              let key = Hash32(bytes: raw.dropFirst())
        else { return nil }
        self.init(name: String(parts[0]), publicKey: key)
        guard keyID == id else { return nil }
    }

    /// Whether `name` may name a note key: non-empty, printable ASCII with no space and no
    /// `+` (signed-note allows more Unicode; CareLedger keeps to ASCII).
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7f && $0 != UInt8(ascii: "+") }
    }

    /// Whether `signature` (64 bytes) is this key's Ed25519 signature over `message`.
    func verifies(_ signature: [UInt8], over message: [UInt8]) -> Bool {
        guard signature.count == 64, let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey.bytes) else { return false }
        return key.isValidSignature(signature, for: message)
    }
}
