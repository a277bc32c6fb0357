import Foundation
import Testing

/// Every numeric option of every command is range-checked at parse time (issue 18, item 3):
/// a value that is not finite, not whole where it must be, or out of range exits 2 with one
/// line naming the flag and its range, and never reaches the code that once trapped on it
/// (`sync --timeout 1e10` died with SIGILL). The table below is the list of numeric options;
/// `--help` of every command is scanned so a new numeric option must be added to it.
@Suite("Numeric options")
struct NumericOptionTests {
    /// One numeric option: the command, the flag, the other arguments the command needs, and
    /// the values to refuse and to accept. Every run uses `--dir missing`, so an accepted
    /// value ends in exit 3 (no site there) at once instead of running the command.
    struct Option: CustomStringConvertible {
        let command: [String]
        let flag: String
        let required: [String]
        let refused: [String]
        let accepted: [String]
        var description: String { (command + [flag]).joined(separator: " ") }
    }

    /// Values no numeric option accepts.
    static let alwaysRefused = ["nan", "NaN", "inf", "-inf", "infinity", "1e10", "-1", "1e308", "-1e308",
                                "9223372036854775808", "18446744073709551616", "0x10", "", "abc", "1.5e400"]
    static let entry = String(repeating: "0", count: 64)

    static let table: [Option] = [
        Option(command: ["append"], flag: "--batch", required: ["--kind", "k", "--jsonl", "-"],
               refused: alwaysRefused + ["0", "-0", "1.5", "1000001"], accepted: ["1", "1000000"]),
        Option(command: ["log"], flag: "--limit", required: [],
               refused: alwaysRefused + ["1.5", "-3"], accepted: ["0", "-0", "9223372036854775807"]),
        Option(command: ["proof", "inclusion"], flag: "--tree-size", required: ["--entry", entry],
               refused: alwaysRefused + ["0", "-0", "1.5"], accepted: ["1", "9223372036854775807"]),
        Option(command: ["proof", "consistency"], flag: "--from", required: [],
               refused: alwaysRefused + ["0", "-0", "1.5"], accepted: ["1", "9223372036854775807"]),
        Option(command: ["proof", "consistency"], flag: "--to", required: ["--from", "1"],
               refused: alwaysRefused + ["0", "-0", "1.5"], accepted: ["1", "9223372036854775807"]),
        Option(command: ["sync"], flag: "--timeout", required: ["--peer", "127.0.0.1:9"],
               refused: alwaysRefused + ["0", "-0", "-3", "0.05", "86401"], accepted: ["0.1", "1.5", "86400"]),
        Option(command: ["sync"], flag: "--max-bytes", required: ["--folder", "."],
               refused: alwaysRefused + ["1.5", "1125899906842625"], accepted: ["0", "-0", "1125899906842624"]),
        Option(command: ["sync"], flag: "--connections", required: ["--mirror", "."],
               refused: alwaysRefused + ["0", "-0", "1.5", "65"], accepted: ["1", "64"]),
        // verify --mirror opens no site (no exit 3): only refusals are checked.
        Option(command: ["verify"], flag: "--connections", required: ["--mirror", "."],
               refused: alwaysRefused + ["0", "-0", "1.5", "65"], accepted: []),
        Option(command: ["serve"], flag: "--idle-timeout", required: ["--listen", "127.0.0.1:0"],
               refused: alwaysRefused + ["0", "-0", "-3", "86401"], accepted: ["0.1", "86400"]),
        Option(command: ["serve"], flag: "--max-sessions", required: ["--listen", "127.0.0.1:0"],
               refused: alwaysRefused + ["0", "-0", "1.5", "10001"], accepted: ["1", "10000"]),
        Option(command: ["serve"], flag: "--handshake-timeout", required: ["--listen", "127.0.0.1:0"],
               refused: alwaysRefused + ["0", "-0", "-3", "0.01", "601"], accepted: ["0.05", "600"]),
        Option(command: ["serve"], flag: "--max-pending", required: ["--listen", "127.0.0.1:0"],
               refused: alwaysRefused + ["0", "-0", "1.5", "65537"], accepted: ["1", "65536"]),
        Option(command: ["serve"], flag: "--max-pending-per-address", required: ["--listen", "127.0.0.1:0"],
               refused: alwaysRefused + ["0", "-0", "1.5", "65537"], accepted: ["1", "65536"]),
        // Accepted values would found a network (exit 0, not 3): only refusals are checked.
        Option(command: ["network", "create"], flag: "--quorum", required: ["--site", "s", "--name", "n"],
               refused: alwaysRefused + ["0", "-0", "1.5", "65"], accepted: []),
        Option(command: ["sync"], flag: "--witnesses", required: ["--mirror", "."],
               refused: alwaysRefused + ["1.5", "65"], accepted: ["0", "64"]),
        Option(command: ["verify"], flag: "--witnesses", required: ["--mirror", "."],
               refused: alwaysRefused + ["1.5", "65"], accepted: []),
        Option(command: ["network", "create"], flag: "--witnesses", required: ["--site", "s", "--name", "n"],
               refused: alwaysRefused + ["1.5", "65"], accepted: []),
        Option(command: ["network", "amend"], flag: "--witnesses", required: [],
               refused: alwaysRefused + ["1.5", "65"], accepted: ["0", "64"]),
        Option(command: ["trial", "custody", "record"], flag: "--quantity", required: ["--trial", "T1", "--lot", "L1", "--step", "receiving"],
               refused: alwaysRefused + ["0", "-0", "1.5", "1000000001"], accepted: ["1", "1000000000"]),
    ] + waitOptions

    /// `--wait` of every command that writes its own entries (Specs/site-layout.md §8.2).
    static let waitOptions: [Option] = [
        (["append"], ["--kind", "k", "--jsonl", "-"]),
        (["anchor"], ["--file", BuiltBinary.repositoryRoot + "/Package.swift"]),
        (["check"], ["--patient", "system|value", "--actor", "Organization/a", "--purpose", "TREAT", "--class", "Observation"]),
        (["consent", "import"], ["consent.json"]),
        (["consent", "resolve"], ["--consent", "\(entry)/c1"]),
        (["members", "admit"], ["--key", entry, "--name", "n", "--role", "clinic"]),
        (["members", "revoke"], ["--key", entry, "--reason", "r"]),
        (["members", "role"], ["--key", entry, "--role", "clinic"]),
        (["members", "approve"], [entry]),
        (["network", "amend"], ["--witnesses", "1"]),
        (["dispute", "open"], ["--entry", entry, "--reason", "r"]),
        (["dispute", "resolve"], [entry, "--outcome", "upheld", "--note", "n"]),
        (["trial", "protocol", "add"], ["--trial", "T1", "--version", "v1", "--file", BuiltBinary.repositoryRoot + "/Package.swift", "--effective", "2026-01-01"]),
        (["trial", "custody", "record"], ["--trial", "T1", "--lot", "L1", "--step", "receiving"]),
        (["trial", "custody", "import"], ["events.json"]),
        (["witness", "cosign"], ["--log", ".", "--log-key", "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"]),
    ].map { command, required in
        Option(command: command, flag: "--wait", required: required,
               refused: alwaysRefused + ["-0.5", "3600.5", "3601"], accepted: ["0", "-0", "0.5", "3600"])
    }

    @Test("every numeric option refuses nan, inf, 1e10, -1, 2^63 and out-of-range values with exit 2 and one line naming the flag and its range")
    func refusedValuesExitTwo() throws {
        let cli = try CLI()
        defer { cli.remove() }
        for option in Self.table {
            for value in option.refused {
                // Both spellings: `--flag value` (a negative value must not be taken for a flag) and `--flag=value`.
                // (`--flag=` with nothing after it is ArgumentParser's "Missing value", so only the first.)
                for pair in [[option.flag, value]] + (value.isEmpty ? [] : [["\(option.flag)=\(value)"]]) {
                    let run = try cli.run(option.command + ["--dir", "missing"] + option.required + pair)
                    #expect(run.status == 2, "\(option) \(value): exit 2, never a signal or a run: \(run)")
                    Contract.expectOneErrorLine(run)
                    #expect(run.stderr.contains(option.flag), "\(option) \(value): the message names the flag: \(run)")
                    #expect(run.stderr.contains("must be") && (run.stderr.contains(" to ") || run.stderr.contains("or more")),
                            "\(option) \(value): the message states the range: \(run)")
                    #expect(!run.stderr.contains("Missing value"), "\(option) \(value): \(run)")
                }
            }
        }
    }

    @Test("every numeric option accepts the bounds of its range (the command then finds no site: exit 3)")
    func boundsAreAccepted() throws {
        let cli = try CLI()
        defer { cli.remove() }
        for option in Self.table {
            for value in option.accepted {
                let run = try cli.run(option.command + ["--dir", "missing"] + option.required + [option.flag, value])
                #expect(run.status == 3, "\(option) \(value) is in range: \(run)")
            }
        }
    }

    @Test("a refused numeric value with --json also prints the JSON error object on stdout")
    func refusedValueWithJSON() throws {
        let cli = try CLI()
        defer { cli.remove() }
        let run = try cli.run(["sync", "--dir", "missing", "--peer", "127.0.0.1:9", "--timeout", "1e10", "--json"])
        #expect(run.status == 2, "\(run)")
        let error = try #require(try run.json()["error"] as? [String: Any], "\(run)")
        #expect(error["exit"] as? Int == 2 && error["code"] as? String == "usage", "\(run)")
        #expect((error["message"] as? String)?.contains("--timeout") == true, "\(run)")
    }

    @Test("the table lists every numeric option of every command's --help, and each --help states its range")
    func tableMatchesHelp() throws {
        let cli = try CLI()
        defer { cli.remove() }
        var found: Set<String> = []
        var queue: [[String]] = [[]]
        var visited = 0
        while let command = queue.popLast() {
            visited += 1
            let help = try cli.run(command + ["--help"])
            #expect(help.status == 0, "\(help)")
            for name in HelpText.subcommands(help.stdout) where name != "help" { queue.append(command + [name]) }
            for block in HelpText.optionBlocks(help.stdout) where block.isNumeric {
                found.insert((command + [block.flag]).joined(separator: " "))
                #expect(block.text.contains("whole number") || block.text.contains("seconds from"),
                        "\((command + [block.flag]).joined(separator: " ")): --help states the range: \(block.text)")
            }
        }
        #expect(visited > 20, "the scan reached every subcommand (\(visited))")
        let listed = Set(Self.table.map(\.description))
        #expect(found == listed, "numeric options in --help but not in the table: \(found.subtracting(listed).sorted()); in the table but not in --help: \(listed.subtracting(found).sorted())")
    }
}

/// Reads ArgumentParser's `--help` text: subcommand names and option blocks.
enum HelpText {
    /// One option's lines joined, its long flag, and whether its value is a number.
    struct Block {
        let flag: String
        let valueName: String?
        let text: String
        /// A `<n>`/`<seconds>` value name (the house convention), or a numeric default.
        var isNumeric: Bool {
            if let valueName, ["n", "seconds"].contains(valueName) { return true }
            return text.range(of: #"\(default: -?[0-9][0-9.e+-]*\)"#, options: .regularExpression) != nil
        }
    }

    /// The names listed under `SUBCOMMANDS:`.
    static func subcommands(_ help: String) -> [String] {
        section("SUBCOMMANDS:", in: help).compactMap { line in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard line.hasPrefix("  "), !line.hasPrefix("      "), let name = trimmed.split(separator: " ").first else { return nil }
            return String(name)
        }
    }

    /// The options under `OPTIONS:`, each with its wrapped continuation lines.
    static func optionBlocks(_ help: String) -> [Block] {
        var blocks: [(String, String?, String)] = []
        for line in section("OPTIONS:", in: help) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("-"), let match = trimmed.firstMatch(of: #/--([a-z0-9-]+)(?: <([a-z0-9-]+)>)?/#) {
                blocks.append(("--" + match.1, match.2.map(String.init), trimmed))
            } else if !blocks.isEmpty {
                blocks[blocks.count - 1].2 += " " + trimmed
            }
        }
        return blocks.map { Block(flag: $0.0, valueName: $0.1, text: $0.2) }
    }

    private static func section(_ title: String, in help: String) -> [String] {
        let lines = help.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let start = lines.firstIndex(of: title) else { return [] }
        return Array(lines[(start + 1)...].prefix { !$0.isEmpty })
    }
}
