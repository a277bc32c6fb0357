import Foundation

/// A site's public identity as stored in `site.json` (Specs/site-layout.md §2).
public struct SiteMetadata: Codable, Sendable, Equatable {
    /// The format version of the data folder.
    public var formatVersion: Int
    /// The site's name in the network.
    public var name: String
    /// The role the site was created for (the charter's admission decides what counts).
    public var role: MemberRole
    /// The network this site belongs to.
    public var networkID: Hash32
    /// The site's Ed25519 signing key: its id on the ledger.
    public var siteKey: Hash32
    /// The site's X25519 key-agreement key.
    public var agreementKey: Hash32
    /// The site's quarantine quota; nil means ``QuarantineQuota/standard``
    /// (Specs/site-layout.md §1, Specs/charter.md §4.1).
    public var quarantineQuota: QuarantineQuota? = nil

    /// The folder format this code writes and reads.
    public static let currentFormatVersion = 1

    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version", name, role, networkID = "network_id"
        case siteKey = "site_key", agreementKey = "agreement_key", quarantineQuota = "quarantine_quota"
    }
}

/// The network's genesis as handed to joiners: the signed genesis entry and the pseudonym key.
///
/// The pseudonym key turns patient identifiers into pseudonyms; it is a network secret, so
/// the file is written with mode 0600 and never placed on the ledger (Specs/charter.md §2).
public struct GenesisFile: Codable, Sendable, Equatable {
    /// The network id the genesis entry defines.
    public var networkID: Hash32
    /// The canonical encoding of the signed `charter.genesis` entry, hex.
    public var genesisEntry: String
    /// The HMAC-SHA-256 key for patient pseudonyms, hex.
    public var pseudonymKey: String

    enum CodingKeys: String, CodingKey {
        case networkID = "network_id", genesisEntry = "genesis_entry", pseudonymKey = "pseudonym_key"
    }
}

/// Reads and writes small JSON files durably, through the site's file seam.
enum JSONFiles {
    static func read<T: Decodable>(_ type: T.Type, from path: String, files: FileIO) throws -> T {
        let bytes: [UInt8]
        do {
            guard let read = try files.contents(of: path) else {
                throw CoreError(.io, "\(path) does not exist", file: path)
            }
            bytes = read
        } catch {
            throw CoreError(.io, "cannot read \(path)", file: path, underlying: error)
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch {
            throw CoreError(.malformedFile, "\(path) is not a valid \(T.self) file", file: path, underlying: error)
        }
    }

    static func write<T: Encodable>(_ value: T, to path: String, permissions: UInt32 = 0o644, files: FileIO) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        let bytes = Array(try encoder.encode(value)) + [0x0a]
        try files.writeAtomically(bytes, to: path, permissions: permissions)
    }
}
