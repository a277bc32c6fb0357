/// The rules for the short identifiers of the trials layer (Specs/trials.md §2): trial ids,
/// protocol version labels, lot codes and site names.
///
/// They appear inside URIs (`urn:careledger:trial:ID:protocol:V`), so they are 1 to 64
/// characters of `A-Z a-z 0-9 . _ -`, never a colon or a space.
public enum TrialIdentifier {
    /// The longest identifier accepted.
    public static let maxLength = 64

    /// Whether `text` is a valid identifier.
    public static func isValid(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= maxLength && text.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
    }

    /// Throws unless `text` is a valid identifier.
    /// - Throws: ``TrialError`` `.invalidValue` naming `field`.
    public static func require(_ text: String, field: String) throws(TrialError) {
        guard isValid(text) else {
            throw TrialError(.invalidValue, "must be 1 to \(maxLength) characters of A-Z a-z 0-9 . _ -", field: field)
        }
    }
}

/// Protocol version labels in chain order: dot-separated parts compared numerically when
/// both are numbers, else by their UTF-8 bytes; `v` or `V` before the first digit is ignored
/// (Specs/trials.md §4.2).
public enum ProtocolVersionOrder {
    /// Whether version label `a` comes before `b`.
    public static func precedes(_ a: String, _ b: String) -> Bool {
        let pa = parts(a), pb = parts(b)
        for (x, y) in zip(pa, pb) where x != y {
            if let nx = UInt64(x), let ny = UInt64(y) { return nx < ny }
            return Array(x.utf8).lexicographicallyPrecedes(Array(y.utf8))
        }
        if pa.count != pb.count { return pa.count < pb.count }
        return Array(a.utf8).lexicographicallyPrecedes(Array(b.utf8))
    }

    private static func parts(_ label: String) -> [Substring] {
        var text = Substring(label)
        if let first = text.first, first == "v" || first == "V", text.dropFirst().first?.isNumber == true { text = text.dropFirst() }
        return text.split(separator: ".", omittingEmptySubsequences: false)
    }
}
