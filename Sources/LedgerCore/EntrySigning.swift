import Crypto
import Foundation

/// What an entry's signature covers (`Specs/entry-format.md` §4).
///
/// The signature is over a short message built from the id, never over the content, so a
/// batch is hashed once and its signatures made or checked independently on every core.
public enum EntrySignature {
    /// The ASCII context prefix of every entry signing message; it keeps an entry signature
    /// from ever being valid for another CareLedger structure (tree heads use their own).
    public static let context: [UInt8] = Array("CareLedger-Entry-v1".utf8)

    /// The exact bytes the author signs: `context || id` (51 bytes).
    public static func message(for id: Hash32) -> [UInt8] {
        var out = context
        out.reserveCapacity(context.count + 32)
        id.append(to: &out)
        return out
    }
}

extension Entry {
    /// Signs `content` with the author's key, producing a complete entry.
    ///
    /// - Throws: `CoreError.Code.invalidKey` when `keys` is not the content's author, or
    ///   `.signingFailed` when the crypto library fails.
    public static func sign(_ content: EntryContent, with keys: SiteKeys) throws -> Entry {
        try sign(content.prepare(), with: keys)
    }

    /// Signs an already encoded and hashed content (the parallel half of bulk signing).
    ///
    /// - Throws: as `sign(_:with:)`.
    public static func sign(_ prepared: PreparedEntry, with keys: SiteKeys) throws -> Entry {
        try sign(prepared, signer: keys.signing, author: keys.signingPublicKey)
    }

    /// Signs with a given private key whose public key is `author`.
    ///
    /// Batch signing passes each thread its own copy of the key: one shared key object would
    /// have its reference count bounced between cores on every call.
    static func sign(_ prepared: PreparedEntry, signer: Curve25519.Signing.PrivateKey, author: Hash32) throws -> Entry {
        let content = prepared.content, id = prepared.id
        guard content.author == author else {
            throw CoreError(.invalidKey, "the signing key \(author.hex) is not the entry's author \(content.author.hex)")
        }
        var bytes = prepared.body
        let signature: [UInt8]
        do {
            signature = Array(try signer.signature(for: EntrySignature.message(for: id)))
        } catch {
            throw CoreError(.signingFailed, "Ed25519 signing failed", entryID: id, underlying: error)
        }
        bytes.append(contentsOf: signature)
        return Entry(content: content, id: id, signature: signature, encoded: bytes)
    }

    /// Whether the signature is the author's Ed25519 signature over this entry's id.
    ///
    /// A changed byte anywhere in the content changes the id, so this also detects tampering
    /// with the content; an entry re-signed by another key fails because `author` is part of
    /// the signed content.
    public func isSignatureValid() -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: author.bytes) else { return false }
        return isSignatureValid(authorKey: key)
    }

    /// `isSignatureValid()` with the author's key already parsed (saves work in batches).
    func isSignatureValid(authorKey key: Curve25519.Signing.PublicKey) -> Bool {
        key.isValidSignature(signature, for: EntrySignature.message(for: id))
    }
}
