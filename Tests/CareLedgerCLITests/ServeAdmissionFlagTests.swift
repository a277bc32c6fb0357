import Testing

/// `serve`'s connection-admission flags (Specs/sync-transport.md §7.4) are checked at parse
/// time: a bad value exits 2 naming the flag and its range, before any folder is opened.
@Suite("serve admission flags")
struct ServeAdmissionFlagTests {
    static let bad: [(flag: String, value: String)] = [
        ("--handshake-timeout", "nan"), ("--handshake-timeout", "inf"), ("--handshake-timeout", "-inf"),
        ("--handshake-timeout", "1e10"), ("--handshake-timeout", "-1"), ("--handshake-timeout", "0"),
        ("--handshake-timeout", "-0"), ("--handshake-timeout", "1e308"),
        ("--max-pending", "0"), ("--max-pending", "-1"), ("--max-pending", "nan"), ("--max-pending", "1e10"),
        ("--max-pending", "9223372036854775808"), ("--max-pending", "65537"),
        ("--max-pending-per-address", "0"), ("--max-pending-per-address", "-1"), ("--max-pending-per-address", "inf"),
        ("--max-pending-per-address", "2.5"),
    ]

    @Test("a non-finite, negative, zero or too large admission limit is a usage error naming the flag", arguments: bad)
    func badValuesExitTwo(_ flag: String, _ value: String) throws {
        let cli = try CLI()
        defer { cli.remove() }
        let run = try cli.run(["serve", "--dir", "site", "--listen", "127.0.0.1:0", flag, value])
        #expect(run.status == 2, "\(run)")
        #expect(run.stderr.contains("\(flag) must be"), "\(run)")
    }
}
