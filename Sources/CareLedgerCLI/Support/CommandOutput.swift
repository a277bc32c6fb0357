import Foundation

/// Writes a command's result: one JSON object with `--json`, aligned text otherwise.
struct CommandOutput {
    let json: Bool

    /// Prints `value` as one snake_case JSON object when `--json` is set, else calls `human`.
    func emit<T: Encodable>(_ value: T, human: () -> Void) throws {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            encoder.keyEncodingStrategy = .convertToSnakeCase
            let data = try encoder.encode(value)
            try FileHandle.standardOutput.write(contentsOf: data + Data("\n".utf8))
        } else {
            human()
        }
    }

    /// Prints `label: value` rows with the labels padded to one width.
    static func table(_ rows: [(String, String)]) {
        let width = rows.map(\.0.count).max() ?? 0
        for (label, value) in rows {
            print(label.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + value)
        }
    }
}

/// Writes one line to standard error.
///
/// Uses the throwing write: when stderr itself cannot be written (a full or failing disk
/// behind a redirect), the line is lost but the process still exits with its code.
func printError(_ line: String) {
    writeStandardError(line + "\n")
}

/// Writes `text` to standard error with the throwing API, dropping it if stderr cannot be
/// written: the non-throwing `FileHandle.write` traps on EIO, and neither an error line nor
/// a progress bar is worth a crash.
func writeStandardError(_ text: String) {
    try? FileHandle.standardError.write(contentsOf: Data(text.utf8))
}
