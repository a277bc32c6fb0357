import Foundation
import LedgerStorage
import StorageTestSupport
import TestSupport

/// Options with tiny blocks and segments, so tests cross many boundaries with little data.
func smallOptions(block: Int = 256, segment: UInt64 = 4096, fileSystem: any FileSystem = POSIXFileSystem()) -> SegmentLogOptions {
    var options = SegmentLogOptions()
    options.blockSize = block
    options.segmentSizeLimit = segment
    options.blockCacheCapacity = 4
    options.fileSystem = fileSystem
    return options
}

/// A deterministic record: a key made from the ordinal and a seed, and a JSON-ish value.
func record(_ ordinal: Int, seed: UInt64 = 1, size: Int? = nil) -> (key: [UInt8], value: [UInt8]) {
    var generator = SeededGenerator(seed: seed &* 1_000_003 &+ UInt64(ordinal))
    let key = generator.bytes(32)
    let length = size ?? (20 + Int(generator.next() % 120))
    let text = "{\"n\":\(ordinal),\"h\":\"\(key.map { String(format: "%02x", $0) }.joined())\"}\n"
    var value = Array(text.utf8)
    while value.count < length { value.append(UInt8(ascii: "a") + UInt8(value.count % 26)) }
    return (key, Array(value.prefix(max(length, 0))))
}

/// Hex of bytes, lowercase.
func hex(_ bytes: some Sequence<UInt8>) -> String {
    bytes.map { String(format: "%02x", $0) }.joined()
}

/// Bytes from lowercase or uppercase hex; nil when malformed.
func bytes(hex text: String) -> [UInt8]? {
    let characters = Array(text.utf8)
    guard characters.count % 2 == 0 else { return nil }
    var out: [UInt8] = []
    out.reserveCapacity(characters.count / 2)
    var index = 0
    while index < characters.count {
        guard let high = hexValue(characters[index]), let low = hexValue(characters[index + 1]) else { return nil }
        out.append(high << 4 | low)
        index += 2
    }
    return out
}

private func hexValue(_ character: UInt8) -> UInt8? {
    switch character {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
    default: nil
    }
}
