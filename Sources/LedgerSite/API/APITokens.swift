import Foundation
import LedgerCore

/// The bearer tokens that may call the site's HTTP API (Specs/fhir-api.md §2).
///
/// Why hashed: the file sits in the site folder with the key and the backups; a copy of it must
/// not let anyone call the API. A token is shown once, when it is created; the file keeps its
/// SHA-256 and the name the operator gave it, which the server logs and puts in the audit
/// trail of what that client did.
public struct APITokens: Sendable, Equatable {
    /// One client allowed to call the API.
    public struct Holder: Codable, Sendable, Equatable {
        /// The operator's name for the client (e.g. `ehr-1`).
        public var name: String
        /// Hex SHA-256 of the token's text.
        public var sha256: String
        /// When it was created, RFC 3339.
        public var created: String
    }

    /// The clients, sorted by name.
    public private(set) var holders: [Holder]

    /// Every token's text begins with this, so a leaked one is recognisable in a scan.
    public static let prefix = "clt_"

    /// Where a site keeps its tokens.
    public static func path(of layout: SiteLayout) -> String { layout.root + "/" + fileName }
    /// The token file's name in the site folder.
    static let fileName = "api-tokens.json"

    /// No tokens.
    public init() { holders = [] }

    /// The site's tokens (none when the file does not exist).
    /// - Throws: ``SiteError`` `.unusableSite` when the file exists but is not a token file.
    public static func load(from layout: SiteLayout) throws -> APITokens {
        let path = path(of: layout)
        guard let data = FileManager.default.contents(atPath: path) else { return APITokens() }
        do {
            var tokens = APITokens()
            tokens.holders = try JSONDecoder().decode([Holder].self, from: data)
            return tokens
        } catch {
            throw SiteError(.unusableSite, "\(path) is not an API token file: \(error)", path: path, underlying: error)
        }
    }

    /// Makes a token for `name` and returns its text (the only time it is seen).
    /// - Throws: ``SiteError`` `.invalidRequest` when the name is taken or not 1–64 characters of
    ///   letters, digits, `.`, `_` and `-`.
    public mutating func create(name: String) throws -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        guard (1...64).contains(name.count), name.allSatisfy(allowed.contains) else {
            throw SiteError(.invalidRequest, "token name \"\(name)\" must be 1–64 letters, digits, '.', '_' or '-'")
        }
        guard !holders.contains(where: { $0.name == name }) else {
            throw SiteError(.invalidRequest, "a token named \(name) exists; revoke it first (`careledger api-token --revoke \(name)`)")
        }
        var generator = SystemRandomNumberGenerator()
        let secret = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let text = Self.prefix + Data(secret).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        holders.append(Holder(name: name, sha256: Hash32.sha256(Array(text.utf8)).hex, created: RFC3339.string(fromMillis: Int64(Date().timeIntervalSince1970 * 1000))))
        holders.sort { $0.name < $1.name }
        return text
    }

    /// Removes `name`'s token: its requests get 401 from the next request on.
    /// - Throws: ``SiteError`` `.invalidRequest` when there is no such token.
    public mutating func revoke(name: String) throws {
        guard let index = holders.firstIndex(where: { $0.name == name }) else {
            throw SiteError(.invalidRequest, "no API token named \(name) (`careledger api-token --list` shows them)")
        }
        holders.remove(at: index)
    }

    /// Writes the file atomically with mode 0600 (it guards the API like a key).
    /// - Throws: ``SiteError`` `.cannotWrite` with the OS reason.
    public func save(to layout: SiteLayout) throws {
        let path = Self.path(of: layout)
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try DurableFiles.writeAtomically(Array(try encoder.encode(holders)), to: path, mode: 0o600)
        } catch {
            throw SiteError(.cannotWrite, "cannot write \(path): \(error)", path: path, underlying: error)
        }
    }

    /// The name of the client an `Authorization` header's bearer token belongs to, or nil.
    public func holder(ofAuthorization header: String?) -> String? {
        guard let header, header.count < 512 else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let digest = Hash32.sha256(Array(parts[1].trimmingCharacters(in: .whitespaces).utf8)).hex
        return holders.first { $0.sha256 == digest }?.name
    }
}
