import Foundation
import LedgerCore

/// Loads `Tests/Vectors/NAME`, found relative to this file (Tests/LedgerNetTests/Support/).
func loadVector(_ name: String) throws -> [String: Any] {
    let url = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Vectors").appendingPathComponent(name)
    let data = try Data(contentsOf: url)
    guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
        throw VectorError(description: "\(name) is not a JSON object")
    }
    return object
}

/// A malformed vector file.
struct VectorError: Error, CustomStringConvertible {
    var description: String
}

/// Bytes from lowercase or uppercase hex; throws on odd length or a non-hex digit.
func hexBytes(_ hex: String) throws -> [UInt8] {
    guard let bytes = Hex.decode(hex) else { throw VectorError(description: "not an even number of hex digits: \(hex)") }
    return bytes
}

extension Dictionary where Key == String, Value == Any {
    /// A string field, or a thrown error naming it.
    func string(_ key: String) throws -> String {
        guard let value = self[key] as? String else { throw VectorError(description: "missing string field \(key)") }
        return value
    }

    /// A hex field decoded to bytes.
    func bytes(_ key: String) throws -> [UInt8] { try hexBytes(string(key)) }

    /// An integer field.
    func int(_ key: String) throws -> Int {
        guard let value = self[key] as? Int else { throw VectorError(description: "missing integer field \(key)") }
        return value
    }

    /// An array of objects.
    func objects(_ key: String) throws -> [[String: Any]] {
        guard let value = self[key] as? [[String: Any]] else { throw VectorError(description: "missing array field \(key)") }
        return value
    }
}
