import Foundation
import LedgerCore

/// A JSON test-vector file from `Tests/Vectors/`, found relative to this source file.
struct VectorFile {
    struct Missing: Error, CustomStringConvertible {
        let what: String
        var description: String { "vector file: \(what)" }
    }

    let object: [String: Any]

    static func load(_ name: String, filePath: String = #filePath) throws -> VectorFile {
        let url = URL(fileURLWithPath: filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Vectors").appendingPathComponent(name)
        let data = try Data(contentsOf: url)
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw Missing(what: "\(name) is not an object") }
        return VectorFile(object: object)
    }

    func array(_ key: String) -> [VectorFile] {
        ((object[key] as? [[String: Any]]) ?? []).map(VectorFile.init(object:))
    }

    func string(_ key: String) -> String { (object[key] as? String) ?? "" }
    func strings(_ key: String) -> [String] { (object[key] as? [String]) ?? [] }
    func int(_ key: String) -> Int { (object[key] as? Int) ?? -1 }
    func bytes(_ key: String) -> [UInt8] { hexBytes(string(key)) }
}

/// Bytes from lowercase hex; stops at the first non-hex pair.
func hexBytes(_ hex: String) -> [UInt8] {
    let chars = Array(hex.utf8)
    var out: [UInt8] = []
    var i = 0
    while i + 1 < chars.count {
        guard let byte = UInt8(String(decoding: chars[i...i + 1], as: UTF8.self), radix: 16) else { break }
        out.append(byte)
        i += 2
    }
    return out
}
