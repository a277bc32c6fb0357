import Crypto
import LedgerPrimitives
import LedgerStorage

/// A site's public identity: its Ed25519 signing key and X25519 key-agreement key.
///
/// The signing key authors entries and tree heads; the agreement key is what bundles are
/// HPKE-encrypted to. They are independent keys (no Ed25519→X25519 conversion).
public struct SitePublicKeys: Hashable, Sendable, Codable {
    /// Ed25519 public key, 32 raw bytes: the site's id on the ledger.
    public let signing: Hash32
    /// X25519 public key, 32 raw bytes.
    public let agreement: Hash32

    /// Creates the pair from raw keys.
    public init(signing: Hash32, agreement: Hash32) {
        self.signing = signing
        self.agreement = agreement
    }
}

/// A site's private keys: Ed25519 for signing, X25519 for receiving encrypted bundles.
///
/// Never printed: `description` shows only public keys. Saved to and loaded from a key file
/// of mode 0600 (`Specs/entry-format.md` §8).
public struct SiteKeys: Sendable, CustomStringConvertible {
    /// The Ed25519 private key.
    public let signing: Curve25519.Signing.PrivateKey
    /// The X25519 private key.
    public let agreement: Curve25519.KeyAgreement.PrivateKey
    /// Both public keys.
    public let publicKeys: SitePublicKeys

    /// The Ed25519 public key, the site's id (entries' `author`).
    public var signingPublicKey: Hash32 { publicKeys.signing }
    /// The X25519 public key.
    public var agreementPublicKey: Hash32 { publicKeys.agreement }

    /// Creates fresh random keys.
    public static func generate() -> SiteKeys {
        SiteKeys(signing: Curve25519.Signing.PrivateKey(), agreement: Curve25519.KeyAgreement.PrivateKey())
    }

    /// Creates keys from their 32-byte raw private forms (the Ed25519 seed and X25519 scalar).
    ///
    /// - Throws: `CoreError.Code.invalidKey` when either is not 32 bytes.
    public init(signingSeed: [UInt8], agreementPrivateKey: [UInt8]) throws {
        do {
            self.init(
                signing: try Curve25519.Signing.PrivateKey(rawRepresentation: signingSeed),
                agreement: try Curve25519.KeyAgreement.PrivateKey(rawRepresentation: agreementPrivateKey))
        } catch {
            throw CoreError(.invalidKey, "a site private key must be 32 bytes", underlying: error)
        }
    }

    /// Wraps existing swift-crypto keys.
    public init(signing: Curve25519.Signing.PrivateKey, agreement: Curve25519.KeyAgreement.PrivateKey) {
        self.signing = signing
        self.agreement = agreement
        let signingPublic = signing.publicKey.rawRepresentation
        let agreementPublic = agreement.publicKey.rawRepresentation
        self.publicKeys = SitePublicKeys(
            signing: Hash32(bytes: signingPublic) ?? .zero, agreement: Hash32(bytes: agreementPublic) ?? .zero)
    }

    /// Public keys only: the private keys never appear in logs or messages.
    public var description: String {
        "SiteKeys(signing: \(publicKeys.signing.hex), agreement: \(publicKeys.agreement.hex))"
    }

    // MARK: key file (Specs/entry-format.md §8)

    static let fileHeader = "careledger-site-keys v1"

    /// The key file's text: a header line and one line per private key, hex.
    func fileText() -> String {
        "\(Self.fileHeader)\ned25519-seed \(Hex.encode(signing.rawRepresentation))\nx25519-private \(Hex.encode(agreement.rawRepresentation))\n"
    }

    /// Writes a new key file at `path` with mode 0600, then fsyncs it and its folder.
    ///
    /// Created exclusively: an existing file is never overwritten (a site's key is its identity).
    /// - Parameter fileSystem: the seam to write through (Specs/site-layout.md §7).
    /// - Throws: `CoreError` `.alreadyExists` when the file exists, `.io` on any I/O failure.
    public func save(to path: String, fileSystem: any FileSystem = POSIXFileSystem()) throws {
        try FileIO(fileSystem).create(Array(fileText().utf8), at: path, permissions: 0o600)
    }

    /// Loads a key file written by `save(to:)`.
    ///
    /// - Parameter fileSystem: the seam to read through.
    /// - Throws: `CoreError` `.insecurePermissions` when group or others have any access to
    ///   the file (fix with `chmod 600`), `.malformedFile` when it is not a key file, `.io`.
    public static func load(from path: String, fileSystem: any FileSystem = POSIXFileSystem()) throws -> SiteKeys {
        let files = FileIO(fileSystem)
        let (mode, bytes) = try files.core {
            let file = try fileSystem.open(path, mode: .readOnly)
            defer { fileSystem.close(file) }
            let mode = try fileSystem.permissions(file)
            let size = try fileSystem.size(file)
            // The mode is checked before the size, so an exposed key file is named as such.
            guard mode & 0o077 == 0 else { return (mode, [UInt8]()) }
            guard size <= 4096 else { throw StorageError(.invalidArgument, "file is larger than 4096 bytes", file: path) }
            return (mode, try fileSystem.readExactly(file, count: Int(size), at: 0))
        }
        guard mode & 0o077 == 0 else {
            throw CoreError(
                .insecurePermissions,
                "key file has mode \(String(mode & 0o777, radix: 8)); run chmod 600 on it (others must not read a site key)",
                file: path)
        }
        return try parse(String(decoding: bytes, as: UTF8.self), path: path)
    }

    static func parse(_ text: String, path: String) throws -> SiteKeys {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count == 4, lines[0] == fileHeader, lines[3].isEmpty else {
            throw CoreError(.malformedFile, "not a CareLedger site key file (expected '\(fileHeader)' and two key lines)", file: path)
        }
        func key(_ line: Substring, _ label: String) throws -> [UInt8] {
            let prefix = label + " "
            guard line.hasPrefix(prefix), let hash = Hash32(hex: String(line.dropFirst(prefix.count))) else {
                throw CoreError(.malformedFile, "the \(label) line is not '\(label)' followed by 64 hex digits", file: path)
            }
            return hash.bytes
        }
        return try SiteKeys(signingSeed: try key(lines[1], "ed25519-seed"), agreementPrivateKey: try key(lines[2], "x25519-private"))
    }
}
