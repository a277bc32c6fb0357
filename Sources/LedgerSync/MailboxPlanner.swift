import LedgerCore

/// A parsed mailbox file name: `TO-FROM-WALL-COUNTER.clbundle` (Specs/bundle-format.md §9).
public struct MailboxFileName: Hashable, Sendable, Comparable {
    /// The first 8 bytes of the recipient's site key, as 16 hex digits.
    public let toPrefix: String
    /// The first 8 bytes of the sender's site key, as 16 hex digits.
    public let fromPrefix: String
    /// When the sender wrote it.
    public let created: HybridTimestamp
    /// The file name itself.
    public let name: String

    /// Oldest first, then by name, so imports happen in a stable order.
    public static func < (lhs: MailboxFileName, rhs: MailboxFileName) -> Bool {
        (lhs.created, lhs.name) < (rhs.created, rhs.name)
    }
}

/// What `sync --folder` should do with a folder (Specs/bundle-format.md §9).
public struct MailboxPlan: Sendable {
    /// Bundles addressed to this site, oldest first: import each (a rejected one changes nothing).
    public let incoming: [String]
    /// One new bundle per recipient: write it under this name (write to a temporary name, fsync, rename).
    public let outgoing: [(recipient: Hash32, fileName: String)]
    /// This site's older bundles to those recipients, superseded by the new ones: remove them after writing.
    public let superseded: [String]
    /// Files that are not bundle names (or unsafe names), left alone, with why.
    public let ignored: [(name: String, why: SyncError)]
    /// Mailbox bundles (`FROM-WALL-COUNTER.clmail`, one per visit for every member), oldest first.
    public var mailbox: [MailboxFileName] = []
    /// Stick markers (`SITE.clmark`) by the 16-hex-digit site prefix they name.
    public var markers: [String: String] = [:]
}

/// Pure planning for the USB mailbox: which files are for this site, what to write, and
/// file-name safety. It never touches the disk; the CLI lists the folder and acts.
public struct MailboxPlanner: Sendable {
    /// The bundle file extension.
    public static let fileExtension = ".clbundle"
    /// This site's key.
    public let siteKey: Hash32

    /// Creates a planner for the site with `siteKey`.
    public init(siteKey: Hash32) { self.siteKey = siteKey }

    /// Plans one `sync --folder` pass.
    /// - Parameters:
    ///   - listing: the names of the files in the folder (names only, no paths).
    ///   - members: every known member's site key (this site's own key is skipped).
    ///   - onlyTo: `--to`: restrict outgoing bundles to these keys.
    ///   - created: this site's HLC now, stamped into the new names.
    public func plan(listing: [String], members: [Hash32], onlyTo: [Hash32]? = nil, created: HybridTimestamp) -> MailboxPlan {
        let me = Self.keyPrefix(siteKey)
        var incoming: [MailboxFileName] = []
        var mine: [MailboxFileName] = []
        var ignored: [(String, SyncError)] = []
        var mailbox: [MailboxFileName] = []
        var markers: [String: String] = [:]
        for name in listing {
            do {
                if name.hasSuffix(Self.mailboxExtension) { mailbox.append(try Self.parse(mailboxName: name)); continue }
                if name.hasSuffix(StickMarker.fileExtension) { markers[try Self.parse(markerName: name)] = name; continue }
                let parsed = try Self.parse(fileName: name)
                if parsed.toPrefix == me { incoming.append(parsed) }
                if parsed.fromPrefix == me { mine.append(parsed) }
            } catch {
                ignored.append((name, error))
            }
        }
        var recipients = members.filter { $0 != siteKey }
        if let onlyTo { recipients = recipients.filter { onlyTo.contains($0) } }
        var seen = Set<Hash32>()
        recipients = recipients.filter { seen.insert($0).inserted }.sorted()
        let outgoing = recipients.map { ($0, Self.fileName(to: $0, from: siteKey, created: created)) }
        let newNames = Set(outgoing.map(\.1))
        let targets = Set(recipients.map(Self.keyPrefix))
        let superseded = mine.filter { targets.contains($0.toPrefix) && !newNames.contains($0.name) }.sorted().map(\.name)
        var plan = MailboxPlan(incoming: incoming.sorted().map(\.name), outgoing: outgoing, superseded: superseded, ignored: ignored)
        plan.mailbox = mailbox.sorted()
        plan.markers = markers
        return plan
    }

    /// The extension of a mailbox bundle (one per visit, for every member).
    public static let mailboxExtension = ".clmail"

    /// The file name of a mailbox bundle from `from` written at `created`: `FROM-WALL-COUNTER.clmail`.
    public static func mailboxFileName(from: Hash32, created: HybridTimestamp) -> String {
        let name = fileName(to: from, from: from, created: created)
        return String(name.dropFirst(17).dropLast(fileExtension.count)) + mailboxExtension
    }

    /// The file name of `site`'s stick marker: `SITE.clmark`, SITE its key's first 8 bytes in hex.
    public static func markerFileName(of site: Hash32) -> String { keyPrefix(site) + StickMarker.fileExtension }

    /// Parses a mailbox bundle name; its `toPrefix` is empty. Throws `mailbox.unsafe-name` for anything else.
    public static func parse(mailboxName name: String) throws(SyncError) -> MailboxFileName {
        try checkSafe(name)
        guard name.hasSuffix(mailboxExtension) else {
            throw SyncError(.unsafeFileName, "not a mailbox bundle name (no \(mailboxExtension) suffix)", file: name)
        }
        let stem = name.dropLast(mailboxExtension.count)
        let parsed = try parse(fileName: String(repeating: "0", count: 16) + "-" + stem + fileExtension)
        return MailboxFileName(toPrefix: "", fromPrefix: parsed.fromPrefix, created: parsed.created, name: name)
    }

    /// Parses a marker name into the site prefix it names. Throws `mailbox.unsafe-name` for anything else.
    public static func parse(markerName name: String) throws(SyncError) -> String {
        try checkSafe(name)
        let stem = name.dropLast(StickMarker.fileExtension.count)
        guard name.hasSuffix(StickMarker.fileExtension), stem.utf8.count == 16, stem.utf8.allSatisfy(isLowerHex) else {
            throw SyncError(.unsafeFileName, "not a marker name (expected SITE\(StickMarker.fileExtension))", file: name)
        }
        return String(stem)
    }

    /// The file name of a bundle from `from` to `to` written at `created`.
    public static func fileName(to: Hash32, from: Hash32, created: HybridTimestamp) -> String {
        let wall = String(created.wallMillis, radix: 16)
        let counter = String(created.counter, radix: 16)
        return keyPrefix(to) + "-" + keyPrefix(from) + "-"
            + String(repeating: "0", count: 16 - wall.count) + wall + "-"
            + String(repeating: "0", count: 8 - counter.count) + counter + fileExtension
    }

    /// Parses a bundle file name; throws `mailbox.unsafe-name` for anything else.
    public static func parse(fileName name: String) throws(SyncError) -> MailboxFileName {
        try checkSafe(name)
        guard name.hasSuffix(fileExtension) else {
            throw SyncError(.unsafeFileName, "not a bundle file name (no \(fileExtension) suffix)", file: name)
        }
        let parts = name.dropLast(fileExtension.count).split(separator: "-", omittingEmptySubsequences: false)
        let lengths = [16, 16, 16, 8]
        guard parts.count == 4, zip(parts, lengths).allSatisfy({ $0.count == $1 && $0.utf8.allSatisfy(isLowerHex) }),
              let wall = UInt64(parts[2], radix: 16), let counter = UInt32(parts[3], radix: 16) else {
            throw SyncError(.unsafeFileName, "not a bundle file name (expected TO-FROM-WALL-COUNTER\(fileExtension))", file: name)
        }
        return MailboxFileName(toPrefix: String(parts[0]), fromPrefix: String(parts[1]),
                               created: HybridTimestamp(wallMillis: wall, counter: counter), name: name)
    }

    /// Rejects names that could escape the folder or confuse a terminal: empty, over 255
    /// bytes, `/`, `\`, `..`, a leading `.`, or any control character.
    public static func checkSafe(_ name: String) throws(SyncError) {
        let reason: String?
        if name.isEmpty { reason = "empty name" }
        else if name.utf8.count > 255 { reason = "name longer than 255 bytes" }
        else if name.contains("/") || name.contains("\\") { reason = "name contains a path separator" }
        else if name.contains("..") { reason = "name contains '..'" }
        else if name.hasPrefix(".") { reason = "hidden or relative name" }
        else if name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f || (0x80..<0xa0).contains($0.value) }) {
            reason = "name contains a control character"
        } else { reason = nil }
        if let reason { throw SyncError(.unsafeFileName, "unsafe file name: \(reason)", file: name.unicodeScalars.count > 80 ? nil : String(name.unicodeScalars.map { $0.value < 0x20 ? "?" : Character($0) })) }
    }

    /// The first 8 bytes of `key` as 16 lowercase hex digits: how file names name a site.
    public static func keyPrefix(_ key: Hash32) -> String { String(key.hex.prefix(16)) }

    private static func isLowerHex(_ c: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(c)
    }
}
