import LedgerCore

/// The default origin of a site's published log, `careledger.invalid/<network id>/<site key>`
/// (Specs/static-log.md §4.1), and the cosigner name a site witnesses under, that origin
/// followed by `/witness` (§8.1): the one place these texts are built and parsed.
public struct LogOrigin: Hashable, Sendable {
    /// What every default origin starts with (the `.invalid` TLD: not a URL to fetch).
    public static let prefix = "careledger.invalid/"
    /// What a cosigner name adds to the origin of the site's own log.
    public static let witnessSuffix = "/witness"

    /// The network the site belongs to.
    public let networkID: Hash32
    /// The site's Ed25519 key.
    public let siteKey: Hash32

    /// The default origin of `site`'s log in `network`.
    public init(network: Hash32, site: Hash32) {
        networkID = network
        siteKey = site
    }

    /// Parses a default origin: exactly `careledger.invalid/`, 64 lowercase hex digits, `/`,
    /// 64 lowercase hex digits; nil for any other text (another spelling of the same keys
    /// included, so `LogOrigin(text)?.text == text` whenever it parses).
    public init?(_ text: String) {
        guard text.hasPrefix(Self.prefix) else { return nil }
        let parts = text.dropFirst(Self.prefix.count).split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let network = Hash32(hex: String(parts[0])), let site = Hash32(hex: String(parts[1])) else { return nil }
        self.init(network: network, site: site)
        guard self.text == text else { return nil }
    }

    /// Parses a cosigner name, `<default origin>/witness`; nil for any other text.
    public init?(cosignerName: String) {
        guard cosignerName.hasSuffix(Self.witnessSuffix) else { return nil }
        self.init(String(cosignerName.dropLast(Self.witnessSuffix.count)))
    }

    /// The origin line: `careledger.invalid/<network id>/<site key>`, both lowercase hex.
    public var text: String { Self.prefix + networkID.hex + "/" + siteKey.hex }

    /// The name the site cosigns other logs' checkpoints under: `<text>/witness`.
    public var cosignerName: String { text + Self.witnessSuffix }
}
