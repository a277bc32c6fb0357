import Foundation
import Testing

/// `sync --folder --max-bytes` through the built binary (Specs/bundle-format.md §9.3).
@Suite("Stick capacity (built binary)")
struct StickCapacityCLITests {
    @Test("sync --folder --max-bytes writes what fits, says what did not, leaves no partial file, and the next pass carries the rest")
    func maxBytes() throws {
        let cli = try CLI()
        defer { cli.remove() }
        try TCPSyncTests.network(cli, sites: ["clinic-a"], admitted: ["clinic-a"])
        try TCPSyncTests.append(cli, site: "central", count: 300)
        try FileManager.default.createDirectory(atPath: cli.path("stick"), withIntermediateDirectories: true)

        let small = try cli.run(["sync", "--dir", "central", "--folder", "stick", "--max-bytes", "8000"])
        #expect(small.status == 0, "\(small)")
        #expect(small.stdout.contains("did not fit in 8000 bytes"), "\(small)")
        let json = try cli.json(["sync", "--dir", "central", "--folder", "stick", "--max-bytes", "8000"])
        #expect(json["max_bytes"] as? Int == 8000)
        let names = try FileManager.default.contentsOfDirectory(atPath: cli.path("stick"))
        #expect(!names.contains { $0.hasSuffix(".tmp") })
        let sizes = try names.filter { $0.hasSuffix(".clmail") }.map { try #require(try FileManager.default.attributesOfItem(atPath: cli.path("stick/" + $0))[.size] as? Int) }
        #expect(!sizes.isEmpty && sizes.allSatisfy { $0 <= 8000 })

        for site in ["clinic-a", "central", "clinic-a"] { _ = try cli.json(["sync", "--dir", site, "--folder", "stick"]) }
        #expect(try TCPSyncTests.summaryRoot(cli, "central") == TCPSyncTests.summaryRoot(cli, "clinic-a"))

    }
}
