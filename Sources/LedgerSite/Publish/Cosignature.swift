import Crypto
import Foundation
import LedgerCore

/// C2SP tlog-cosignature v1 with Ed25519 (signature type 0x04; Specs/static-log.md §8.1):
/// a witness's timestamped statement that a checkpoint is the largest consistent tree it
/// has seen for that log.
public enum Cosignature {
    /// The signature type byte of timestamped Ed25519 cosignatures.
    public static let ed25519Type: UInt8 = 0x04

    /// The key ID of a cosigner: SHA-256(name || 0x0A || 0x04 || public key)[0:4], big-endian.
    public static func keyID(name: String, publicKey: Hash32) -> UInt32 {
        let digest = Hash32.sha256(Array(name.utf8) + [0x0a, ed25519Type] + publicKey.bytes).bytes
        return digest[0..<4].reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// The cosigner's verifier key string: `<name>+<hex key ID>+<base64(0x04 || public key)>`.
    public static func verifierKey(name: String, publicKey: Hash32) -> String {
        name + "+" + String(format: "%08x", keyID(name: name, publicKey: publicKey)) + "+"
            + Data([ed25519Type] + publicKey.bytes).base64EncodedString()
    }

    /// The signed message: `cosignature/v1\n`, `time <timestamp>\n`, then the checkpoint's text.
    public static func message(checkpointText: [UInt8], timestamp: UInt64) -> [UInt8] {
        Array("cosignature/v1\ntime \(timestamp)\n".utf8) + checkpointText
    }

    /// The signature line (without its newline) cosigning `checkpointText` at `timestamp`
    /// (seconds since the epoch).
    /// - Throws: `SiteError` `.invalidRequest` for a name that cannot name a key, or when signing fails.
    public static func sign(checkpointText: [UInt8], name: String, timestamp: UInt64,
                            with key: Curve25519.Signing.PrivateKey) throws -> String {
        guard NoteVerifierKey.isValidName(name), timestamp < 1 << 63, let publicKey = Hash32(bytes: key.publicKey.rawRepresentation) else {
            throw SiteError(.invalidRequest, "a cosigner needs a name without spaces or '+' and a timestamp below 2^63")
        }
        let signature: Data
        do {
            signature = try key.signature(for: message(checkpointText: checkpointText, timestamp: timestamp))
        } catch {
            throw SiteError(.invalidRequest, "Ed25519 signing of a cosignature failed", underlying: error)
        }
        let id = keyID(name: name, publicKey: publicKey)
        var blob: [UInt8] = (0..<4).map { UInt8(truncatingIfNeeded: id >> (24 - 8 * $0)) }
        blob += (0..<8).map { UInt8(truncatingIfNeeded: timestamp >> (56 - 8 * UInt64($0))) }
        blob += Array(signature)
        return "\(SignedNote.emDash) \(name) \(Data(blob).base64EncodedString())"
    }

    /// The timestamp of a valid cosignature by (`name`, `publicKey`) in `note`, nil when the
    /// note carries none; signatures of other keys are ignored.
    /// - Throws: `SiteError` `.invalidRequest` when the note is malformed or the cosigner's
    ///   signature line does not verify.
    public static func verify(_ note: [UInt8], name: String, publicKey: Hash32) throws -> UInt64? {
        guard let text = String(validating: note, as: UTF8.self), let split = text.range(of: "\n\n", options: .backwards) else {
            throw SiteError(.invalidRequest, "the note has no signature block")
        }
        let body = Array((String(text[..<split.lowerBound]) + "\n").utf8)
        let id = keyID(name: name, publicKey: publicKey)
        for line in text[split.upperBound...].split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: false)
            guard fields.count == 3, fields[0] == SignedNote.emDash, fields[1] == name,
                  let blob = Data(base64Encoded: String(fields[2])), blob.count == 76,
                  blob.prefix(4).reduce(UInt32(0), { $0 << 8 | UInt32($1) }) == id
            else { continue }
            let timestamp = blob.dropFirst(4).prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let key = NoteVerifierKey(name: name, publicKey: publicKey)
            guard key.verifies(Array(blob.suffix(64)), over: message(checkpointText: body, timestamp: timestamp)) else {
                throw SiteError(.invalidRequest, "the cosignature by \(name) does not verify")
            }
            return timestamp
        }
        return nil
    }
}
