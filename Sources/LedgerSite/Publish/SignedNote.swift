import Crypto
import Foundation
import LedgerCore

/// C2SP signed notes with Ed25519 signatures (Specs/static-log.md §4.2): a text ending in a
/// newline, a blank line, then signature lines `— <key name> base64(key ID || signature)`.
public enum SignedNote {
    /// The em dash (U+2014) that starts a signature line.
    static let emDash = "\u{2014}"
    /// The largest note read (signed-note asks readers to bound a note's size).
    public static let maximumBytes = 1 << 16

    /// The note `text` (ending in a newline) signed by `key` under `name`.
    /// - Throws: `SiteError` `.invalidRequest` when `name` cannot name a key or signing fails.
    public static func sign(_ text: [UInt8], name: String, with key: Curve25519.Signing.PrivateKey) throws -> [UInt8] {
        guard NoteVerifierKey.isValidName(name), text.last == 0x0a,
              let publicKey = Hash32(bytes: key.publicKey.rawRepresentation)
        else { throw SiteError(.invalidRequest, "a note needs a key name without spaces or '+' and a text ending in a newline") }
        let signature: Data
        do {
            signature = try key.signature(for: text)
        } catch {
            throw SiteError(.invalidRequest, "Ed25519 signing of a note failed", underlying: error)
        }
        let id = NoteVerifierKey(name: name, publicKey: publicKey).keyID
        let blob = [UInt8(id >> 24), UInt8(id >> 16 & 0xff), UInt8(id >> 8 & 0xff), UInt8(id & 0xff)] + Array(signature)
        return text + Array("\n\(emDash) \(name) \(Data(blob).base64EncodedString())\n".utf8)
    }

    /// The text of a note that `key` signed (final newline included), its signature verified.
    ///
    /// Signatures by other keys (another name or key ID) are ignored, as signed-note
    /// requires; a signature by `key` that does not verify refuses the whole note.
    /// - Throws: `SiteError` `.invalidRequest` naming what is wrong.
    public static func open(_ note: [UInt8], verifiedBy key: NoteVerifierKey) throws -> [UInt8] {
        guard note.count <= maximumBytes, let text = String(validating: note, as: UTF8.self) else {
            throw SiteError(.invalidRequest, "the note is not UTF-8 text of at most \(maximumBytes) bytes")
        }
        guard !note.contains(where: { $0 < 0x20 && $0 != 0x0a }) else {
            throw SiteError(.invalidRequest, "the note holds a control character")
        }
        guard let split = text.range(of: "\n\n", options: .backwards), text.hasSuffix("\n") else {
            throw SiteError(.invalidRequest, "the note has no signature block")
        }
        let body = Array((String(text[..<split.lowerBound]) + "\n").utf8)
        var verified = false
        for line in text[split.upperBound...].split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            let fields = line.split(separator: " ", omittingEmptySubsequences: false)
            guard fields.count == 3, fields[0] == emDash, let blob = Data(base64Encoded: String(fields[2])), blob.count >= 4 else {
                throw SiteError(.invalidRequest, "the note has a malformed signature line")
            }
            let id = blob.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            guard fields[1] == key.name, id == key.keyID else { continue }
            guard key.verifies(Array(blob.dropFirst(4)), over: body) else {
                throw SiteError(.invalidRequest, "the signature by \(key.name) does not verify")
            }
            verified = true
        }
        guard verified else {
            throw SiteError(.invalidRequest, "the note carries no signature by \(key.name)+\(String(format: "%08x", key.keyID))")
        }
        return body
    }
}
