import Foundation
import Testing
import TestSupport

/// Big and foreign files on a stick, end to end (issue 18 item 2; Specs/bundle-format.md §7):
/// `sync --folder` rejects each from its length or its first bytes, quickly and in little
/// memory, and the site is unchanged.
@Suite("Sticks: huge and foreign files named like bundles")
struct StickFileTests {
    static let time = "/usr/bin/time"

    /// A file of `length` bytes whose first bytes are `front`; the rest is a hole (no disk).
    static func sparseFile(_ path: String, length: UInt64, front: [UInt8]) throws {
        try Data(front).write(to: URL(fileURLWithPath: path))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.truncate(atOffset: length)
    }

    static func random(_ count: Int, seed: UInt64) -> [UInt8] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
    }

    @Test("sync --folder rejects a 20 GB sparse file, a 3 GB file and a false 3 GB header within seconds, under 100 MB of RSS",
          .enabled(if: CLI.binary != nil && FileManager.default.isExecutableFile(atPath: StickFileTests.time)))
    func hugeFilesAreRejectedQuicklyInLittleMemory() throws {
        let cli = try CLI()
        defer { cli.remove() }
        try cli.run(["network", "create", "--dir", "central", "--site", "central", "--name", "Net"])
        let key = try #require(try cli.json(["identity", "--dir", "central"])["site_key"] as? String)
        let before = try #require(try cli.json(["stats", "--dir", "central"])["summary_root"] as? String)
        let stick = cli.path("stick")
        try FileManager.default.createDirectory(atPath: stick, withIntermediateDirectories: true)
        func name(_ wall: Int) -> String {
            "\(key.prefix(16))-aaaaaaaaaaaaaaaa-\(String(repeating: "0", count: 15))\(wall)-00000000.clbundle"
        }
        let magic: [UInt8] = [0x89, 0x43, 0x4C, 0x42, 0x4E, 0x44, 0x0D, 0x0A]
        // 20 GB: the magic, then a hole.
        try Self.sparseFile(stick + "/" + name(1), length: 20 << 30, front: magic)
        // 3 GB: 1 MiB of random bytes, then a hole (writing 3 GB of random bytes would take
        // the test longer than the check it makes; the reader never gets past the length).
        try Self.sparseFile(stick + "/" + name(2), length: 3 << 30, front: Self.random(1 << 20, seed: 2))
        // 4 MiB: a well-formed header declaring a 3 GB payload and ciphertext, then random bytes.
        var header = magic + [0, 1, 0, 0] + Self.random(60, seed: 3) + [0, 1] + Self.random(88, seed: 4)
        header += [0, 0, 0, 0, 0xC0, 0, 0, 0] + [0, 0, 0, 0, 0xC0, 0, 0, 0]
        try Data(header + Self.random(4 << 20, seed: 5)).write(to: URL(fileURLWithPath: stick + "/" + name(3)))

        let binary = try #require(CLI.binary)
        let started = ContinuousClock.now
        let output = try CareLedgerBinary.run(Self.time, ["-f", "maxrss_kb=%M\ncpu_s=%U %S", binary, "sync", "--dir", "central",
                                                          "--folder", "stick"], in: cli.folder.path)
        let elapsed = ContinuousClock.now - started
        let stdout = String(decoding: output.stdout, as: UTF8.self), stderr = String(decoding: output.stderr, as: UTF8.self)
        #expect(output.status == 1, "a rejected bundle exits 1: \(stdout) \(stderr)")
        for (wall, code) in [(1, "bundle.size-cap"), (2, "bundle.size-cap"), (3, "bundle.truncated")] {
            let line = stdout.split(separator: "\n").first { $0.contains(name(wall)) } ?? ""
            #expect(line.contains("REJECTED") && line.contains(code), "\(name(wall)) rejected with \(code): \(stdout)")
        }
        let rss = stderr.split(separator: "\n").last { $0.hasPrefix("maxrss_kb=") }.flatMap { Int($0.dropFirst(10)) }
        let kilobytes = try #require(rss, "no peak RSS from \(Self.time): \(stderr)")
        #expect(kilobytes < 100_000, "peak RSS \(kilobytes) KB")
        // "Quickly" is measured in the CPU time the process used (user + system), which a busy
        // machine does not inflate: reading even one of these files through would take many
        // CPU seconds. The wall clock is only a guard against a reader that waits or hangs.
        let cpu = stderr.split(separator: "\n").last { $0.hasPrefix("cpu_s=") }
            .map { $0.dropFirst(6).split(separator: " ").compactMap { Double($0) }.reduce(0, +) }
        let seconds = try #require(cpu, "no CPU time from \(Self.time): \(stderr)")
        #expect(seconds < 5, "used \(seconds) s of CPU")
        #expect(elapsed < .seconds(60), "took \(elapsed)")
        #expect(try cli.json(["stats", "--dir", "central"])["summary_root"] as? String == before, "the site changed")
    }
}
