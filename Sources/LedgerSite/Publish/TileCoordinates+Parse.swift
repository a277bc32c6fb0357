extension TileCoordinates {
    /// Parses a tile or bundle path (`tile/<L>/<N>[.p/<W>]`, `tile/entries/<N>[.p/<W>]`);
    /// nil for anything else, including a path that is not written the one way tlog-tiles
    /// writes it (leading zeroes, an `x000` group, a width of 0 or 256).
    public init?(path: String) {
        guard path.hasPrefix("tile/") else { return nil }
        var rest = Substring(path.dropFirst(5))
        var width = Self.fullWidth
        if let partial = rest.range(of: ".p/") {
            guard let parsed = Int(rest[partial.upperBound...]), (1..<Self.fullWidth).contains(parsed) else { return nil }
            width = parsed
            rest = rest[..<partial.lowerBound]
        }
        guard let slash = rest.firstIndex(of: "/") else { return nil }
        let head = rest[..<slash]
        var index: UInt64 = 0
        let groups = rest[rest.index(after: slash)...].split(separator: "/", omittingEmptySubsequences: false)
        guard !groups.isEmpty, groups.count <= 7 else { return nil }
        for (position, group) in groups.enumerated() {
            let digits = position < groups.count - 1 ? group.dropFirst(group.first == "x" ? 1 : 0) : group
            guard digits.count == 3, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let value = UInt64(digits) else { return nil }
            let (scaled, overflow) = index.multipliedReportingOverflow(by: 1000)
            guard !overflow, scaled <= UInt64.max - value else { return nil }
            index = scaled + value
        }
        if head == "entries" {
            self.init(entriesIndex: index, width: width)
        } else {
            guard let level = Int(head), (0...63).contains(level) else { return nil }
            self.init(level: level, index: index, width: width)
        }
        guard self.path == path else { return nil }
    }
}
