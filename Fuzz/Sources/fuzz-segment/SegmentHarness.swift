// libFuzzer harness: the segment reader and its recovery (Specs/segment-format.md §2-9).
// The input becomes the only segment file of a fresh data folder; opening must recover or
// fail with StorageError, and every record served must be readable the same way twice.
import Foundation
import LedgerStorage

/// libFuzzer's entry point: open, scan, read by ordinal and key, verify, append, reopen.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSegment(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let files = FileManager.default
    let folder = NSTemporaryDirectory() + "careledger-fuzz-segment-\(getpid())"
    try? files.removeItem(atPath: folder)
    guard (try? files.createDirectory(atPath: folder, withIntermediateDirectories: true)) != nil,
          files.createFile(atPath: folder + "/segment-0000000001.lz4", contents: Data(bytes: data, count: size)) else {
        fatalError("cannot prepare the temporary data folder")
    }
    defer { try? files.removeItem(atPath: folder) }
    var options = SegmentLogOptions()
    options.lockTimeout = .zero
    guard let log = try? SegmentLog(directory: folder, options: options) else { return 0 }
    var scanned: [([UInt8], [UInt8])] = []
    try? log.scan { record in
        scanned.append((Array(record.key), Array(record.value)))
        return scanned.count < 10_000
    }
    for (ordinal, record) in scanned.enumerated() {
        guard let again = try? log.read(ordinal: UInt64(ordinal)) else { continue }
        if Array(again.key) != record.0 || Array(again.value) != record.1 {
            fatalError("scan and read(ordinal:) disagree at ordinal \(ordinal)")
        }
        if record.0.count == 32, let location = try? log.location(forKey: record.0), location != again.location,
           let byKey = try? log.read(at: location), Array(byKey.key) != record.0 {
            fatalError("the key index points at a record with another key")
        }
    }
    _ = try? log.verify()
    _ = try? log.append([(key: [UInt8](repeating: 7, count: 32), value: [1, 2, 3])])
    log.close()
    if let reopened = try? SegmentLog(directory: folder, options: options) {
        try? reopened.scan { _ in true }
        reopened.close()
    }
    return 0
}
