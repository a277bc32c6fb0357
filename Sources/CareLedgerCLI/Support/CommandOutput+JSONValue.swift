import CanonicalJSON
import Foundation

extension CommandOutput {
    /// Prints `value` as one canonical JSON line when `--json` is set, else calls `human`.
    ///
    /// For results that carry entry payloads: `JSONEncoder` would round their numbers
    /// through `Double` and re-escape their strings; the canonical writer shows them exactly.
    func emit(_ value: JSONValue, human: () -> Void) throws {
        if json {
            try FileHandle.standardOutput.write(contentsOf: Data(JSONWriter.canonical(value) + [0x0A]))
        } else {
            human()
        }
    }
}
