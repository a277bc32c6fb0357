import Foundation

/// The storage benchmark's figures side by side, as a table and as one JSON line.
struct StorageBenchmarkReport {
    let entries: Int
    let batch: Int
    let rawBytes: Int
    let rounds: Int
    let ours: StorageFigures
    let sqlite: StorageFigures

    private func rate(_ figures: StorageFigures) -> Double { Double(entries) / max(figures.appendSeconds, 1e-9) }
    private func megabytesPerSecond(_ figures: StorageFigures) -> Double { Double(rawBytes) / 1_048_576 / max(figures.appendSeconds, 1e-9) }
    var appendRatio: Double { rate(ours) / rate(sqlite) }
    var sizeRatio: Double { Double(sqlite.bytesOnDisk) / Double(max(ours.bytesOnDisk, 1)) }
    var scanRatio: Double { sqlite.scanSeconds / max(ours.scanSeconds, 1e-9) }
    var reopenRatio: Double { sqlite.reopenSeconds / max(ours.reopenSeconds, 1e-9) }

    func table() -> String {
        func row(_ name: String, _ ours: String, _ theirs: String, _ ratio: String) -> String {
            name.padding(toLength: 22, withPad: " ", startingAt: 0) + ours.leftPadded(16) + theirs.leftPadded(16) + ratio.leftPadded(12)
        }
        return [
            row("", "CareLedger", "SQLite", "ratio"),
            row("append entries/s", String(format: "%.0f", rate(ours)), String(format: "%.0f", rate(sqlite)), String(format: "%.2fx", appendRatio)),
            row("append MB/s (raw)", String(format: "%.1f", megabytesPerSecond(ours)), String(format: "%.1f", megabytesPerSecond(sqlite)), ""),
            row("bytes on disk", "\(ours.bytesOnDisk)", "\(sqlite.bytesOnDisk)", String(format: "%.2fx", sizeRatio)),
            row("reopen ms", String(format: "%.2f", ours.reopenSeconds * 1000), String(format: "%.2f", sqlite.reopenSeconds * 1000), String(format: "%.2fx", reopenRatio)),
            row("full read-back ms", String(format: "%.0f", ours.scanSeconds * 1000), String(format: "%.0f", sqlite.scanSeconds * 1000), String(format: "%.2fx", scanRatio)),
            row("read-back MB/s (raw)", String(format: "%.0f", Double(rawBytes) / 1_048_576 / max(ours.scanSeconds, 1e-9)), String(format: "%.0f", Double(rawBytes) / 1_048_576 / max(sqlite.scanSeconds, 1e-9)), ""),
            row("key lookup us", String(format: "%.1f", ours.lookupMicros), "", ""),
            "(\(entries) entries, \(rawBytes) raw bytes, batches of \(batch), one fsync per batch on both sides; reopen and read-back: best of \(rounds) alternating rounds; CareLedger: \(ours.detail); SQLite: \(sqlite.detail))",
        ].joined(separator: "\n")
    }

    func jsonLine() -> String {
        let object: [String: Any] = [
            "benchmark": "storage",
            "entries": entries,
            "batch": batch,
            "raw_bytes": rawBytes,
            "rounds": rounds,
            "checks_match": ours.check == sqlite.check,
            "append_ratio_vs_sqlite": round3(appendRatio),
            "size_ratio_vs_sqlite": round3(sizeRatio),
            "scan_ratio_vs_sqlite": round3(scanRatio),
            "reopen_ms": round3(ours.reopenSeconds * 1000),
            "careledger_entries_per_s": round3(Double(entries) / max(ours.appendSeconds, 1e-9)),
            "careledger_mb_per_s": round3(megabytesPerSecond(ours)),
            "careledger_bytes_on_disk": ours.bytesOnDisk,
            "careledger_scan_ms": round3(ours.scanSeconds * 1000),
            "careledger_key_lookup_us": round3(ours.lookupMicros),
            "sqlite_entries_per_s": round3(Double(entries) / max(sqlite.appendSeconds, 1e-9)),
            "sqlite_mb_per_s": round3(megabytesPerSecond(sqlite)),
            "sqlite_bytes_on_disk": sqlite.bytesOnDisk,
            "sqlite_reopen_ms": round3(sqlite.reopenSeconds * 1000),
            "sqlite_scan_ms": round3(sqlite.scanSeconds * 1000),
        ]
        return (try? sortedJSONLine(object)) ?? "{}"
    }

    private func round3(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
