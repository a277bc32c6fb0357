import Foundation

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
    let digits = Array(hex.utf8)
    guard digits.count % 2 == 0 else { throw VectorError(description: "odd hex length") }
    func nibble(_ c: UInt8) throws -> UInt8 {
        switch c {
        case 48...57: return c - 48
        case 97...102: return c - 87
        case 65...70: return c - 55
        default: throw VectorError(description: "bad hex digit")
        }
    }
    return try stride(from: 0, to: digits.count, by: 2).map { try nibble(digits[$0]) << 4 | nibble(digits[$0 + 1]) }
}

/// Lowercase hex of bytes.
func hexString(_ bytes: some Sequence<UInt8>) -> String {
    bytes.map { String(format: "%02x", $0) }.joined()
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
