import Foundation
import Testing

/// Tests/Vectors/canonical-json.json, read with Foundation (not with the code under test).
struct CanonicalVectors {
    /// One input and what the spec says becomes of it.
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let requireObject: Bool
        let input: [UInt8]
        /// The canonical bytes, for accepted inputs.
        let canonical: [UInt8]?
        /// The error code, for rejected inputs.
        let error: String?

        var testDescription: String { name }
    }

    static let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Vectors/canonical-json.json")

    /// Every case of one section (`accepted` or `rejected`); an unreadable file gives no cases
    /// and `VectorFileTests` fails.
    static func cases(_ section: String) -> [Case] {
        guard let data = try? Data(contentsOf: url),
              let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let items = root[section] as? [[String: Any]] else { return [] }
        return items.compactMap { item in
            guard let name = item["name"] as? String, let hex = item["input_hex"] as? String,
                  let input = bytes(hex: hex) else { return nil }
            return Case(name: name, requireObject: item["require_object"] as? Bool ?? true, input: input,
                        canonical: (item["canonical_hex"] as? String).flatMap(bytes(hex:)), error: item["error"] as? String)
        }
    }

    static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        for i in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(decoding: digits[i..<i + 2], as: UTF8.self), radix: 16) else { return nil }
            out.append(byte)
        }
        return out
    }
}
