import Foundation

/// A benchmark's figures as the one JSON line `--json` prints: keys sorted, so runs diff cleanly.
func sortedJSONLine(_ object: [String: Any]) throws -> String {
    String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
}
