import Foundation
import LedgerCore

/// A witness's cosigning key as C2SP tlog-cosignature names it (signature type 0x04;
/// Specs/static-log.md §8.1): a name and an Ed25519 public key.
public struct CosignerKey: Hashable, Sendable {
    /// The cosigner's name (the key name on its signature lines).
    public let name: String
    /// The Ed25519 public key, 32 bytes.
    public let publicKey: Hash32

    /// Names a cosigner key.
    public init(name: String, publicKey: Hash32) {
        self.name = name
        self.publicKey = publicKey
    }

    /// The cosigner key of a member site: its Ed25519 key under
    /// `careledger.invalid/<network id>/<site key>/witness`.
    public init(site: Hash32, networkID: Hash32) {
        self.init(name: LogOrigin(network: networkID, site: site).cosignerName, publicKey: site)
    }

    /// Parses a cosigner verifier key `<name>+<hex key ID>+<base64(0x04 || public key)>`.
    /// - Returns: nil for anything but a well-formed one whose key ID matches.
    public init?(verifierKey text: String) {
        let parts = text.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, NoteVerifierKey.isValidName(String(parts[0])), parts[1].count == 8,
              let id = UInt32(parts[1], radix: 16),
              let raw = Data(base64Encoded: String(parts[2])), raw.count == 33, raw.first == Cosignature.ed25519Type,
              let key = Hash32(bytes: raw.dropFirst())
        else { return nil }
        self.init(name: String(parts[0]), publicKey: key)
        guard Cosignature.keyID(name: name, publicKey: publicKey) == id else { return nil }
    }

    /// The verifier key string, as `witness cosign` prints it.
    public var verifierKey: String { Cosignature.verifierKey(name: name, publicKey: publicKey) }

    /// How many of `cosigners` (distinct keys) have a valid cosignature in `note`; a signature
    /// line of theirs that does not verify, and every other line, counts for nothing.
    public static func validCount(in note: [UInt8], of cosigners: some Sequence<CosignerKey>) -> Int {
        Set(cosigners).reduce(0) { count, key in
            ((try? Cosignature.verify(note, name: key.name, publicKey: key.publicKey)) ?? nil) == nil ? count : count + 1
        }
    }
}
