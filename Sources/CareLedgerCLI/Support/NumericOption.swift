import ArgumentParser
import LedgerNet

/// The range of one numeric option, checked at parse time and stated in its `--help`.
///
/// Every numeric `@Option` of every command is declared through one of these (its `help`
/// and its `parse` as `transform:`), so a value that is not finite, not a whole number where
/// one is needed, or outside the range is a usage error (exit 2) naming the flag and the
/// range before anything runs: never a trap later in a conversion (`Double` → `Int64`) or a
/// timer. Declare numeric options with `parsing: .unconditional`, so a negative value
/// (`--timeout -3`) reaches this check instead of being taken for a flag. Value names are
/// `<n>` for counts and sizes and `<seconds>` for durations: the end-to-end test finds every
/// numeric option by them.
struct NumericOption<Value: Comparable & Sendable>: Sendable {
    /// The values accepted.
    let range: ClosedRange<Value>
    /// What a value must be, e.g. `a whole number from 1 to 1000000`.
    let requirement: String
    /// `n` or `seconds`.
    let valueName: String
    private let convert: @Sendable (String) -> Value?

    /// The option's help with the requirement (and the default, which ArgumentParser does
    /// not show for an option with a `transform:`) appended, and its value name.
    func help(_ text: String, default value: String? = nil) -> ArgumentHelp {
        ArgumentHelp("\(text) (\(requirement)\(value.map { "; default \($0)" } ?? ""))", valueName: valueName)
    }

    /// Parses `text` as the option's value; for `transform:`.
    /// - Throws: ``NumericOptionError`` stating the requirement when `text` is not a value in range.
    @Sendable func parse(_ text: String) throws -> Value {
        guard let value = convert(text), range.contains(value) else {
            throw NumericOptionError(message: "must be \(requirement)")
        }
        return value
    }
}

extension NumericOption where Value == Double {
    /// A duration: a finite number of seconds in `range`, in plain decimal notation.
    static func seconds(_ range: ClosedRange<Double>) -> NumericOption {
        NumericOption(range: range, requirement: "seconds from \(format(range.lowerBound)) to \(format(range.upperBound))",
                      valueName: "seconds", convert: { text in
                          // Only decimal notation: Double() also takes "nan", "inf" and "0x1p4".
                          guard !text.isEmpty, text.allSatisfy({ "0123456789.+-eE".contains($0) }),
                                let value = Double(text), value.isFinite else { return nil }
                          return value + 0  // -0 becomes 0
                      })
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}

extension NumericOption where Value: FixedWidthInteger {
    /// A whole number in `range`, in decimal digits (no exponent, no fraction).
    static func count(_ range: ClosedRange<Value>) -> NumericOption {
        let bounds = range.upperBound == Value.max ? "\(range.lowerBound) or more" : "from \(range.lowerBound) to \(range.upperBound)"
        return NumericOption(range: range, requirement: "a whole number \(bounds)", valueName: "n",
                             convert: { Value($0, radix: 10) })
    }
}

/// Why a numeric option's value was refused. ArgumentParser prints it after the flag, as
/// `The value 'nan' is invalid for '--timeout <seconds>': must be seconds from 0.1 to 86400`.
struct NumericOptionError: Error, CustomStringConvertible {
    /// The requirement the value broke.
    let message: String
    var description: String { message }
}

/// The ranges of the numeric options, in one place so `--help`, the check and the README agree.
enum NumericOptions {
    /// `append --batch`: entries per durable batch.
    static let batch = NumericOption<Int>.count(1...1_000_000)
    /// `log --limit`: how many of the newest entries.
    static let limit = NumericOption<Int>.count(0...Int.max)
    /// `proof --tree-size/--from/--to`: a tree size (bounded to Int64 so no conversion traps).
    static let treeSize = NumericOption<UInt64>.count(1...UInt64(Int64.max))
    /// `--wait` of the writing commands: from 0 (do not wait) to an hour.
    static let wait = NumericOption<Double>.seconds(0...3600)
    /// `sync --timeout`, `serve --idle-timeout`: up to a day.
    static let timeout = NumericOption<Double>.seconds(0.1...86_400)
    /// `network create --quorum`: governance approvals a charter change needs (Specs/charter.md §5).
    static let quorum = NumericOption<Int>.count(1...64)
    /// `serve --max-sessions`.
    static let sessions = NumericOption<Int>.count(1...10_000)
    /// `serve --handshake-timeout`: the library's admission range (Specs/sync-transport.md §7.4).
    static let handshakeTimeout = NumericOption<Double>.seconds(AdmissionLimits.handshakeTimeoutRange)
    /// `serve --max-pending`, `--max-pending-per-address` (the latter at most `--max-pending`).
    static let pending = NumericOption<Int>.count(AdmissionLimits.pendingRange)
}
