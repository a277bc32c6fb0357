import ArgumentParser
import Foundation
import LedgerCore
import LedgerSite

/// `careledger-bench mirror`: the static log at scale (issue 19, Specs/static-log.md §11–§12).
/// A central site of N entries is published with `careledger publish` (timed as a process);
/// nginx serves the folder; a fresh clinic catches up with `careledger sync --mirror` (timed
/// as a process, its peak RSS sampled) while central's own `careledger serve --http` runs
/// beside it, its CPU read from /proc before and after (the mirror serves, central does not).
/// Beside the catch-up rate, the ceiling it is held to, measured in the same run: the same
/// entries decoded and their Ed25519 signatures verified in this process on 2 threads.
struct MirrorBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mirror", abstract: "Publish a central site as static tiles and catch a fresh clinic up from nginx (needs nginx).")

    @Option(help: "Entries in central (built with the site benchmark's mix).") var entries: Int = 1_000_000
    @Option(help: "A folder holding central from an earlier run (reused), or where to build it and keep it.") var site: String?
    @Option(help: "Connections (and bundles in flight) of the catch-up (1-64).") var connections: Int = 4
    @Option(help: "The careledger binary (default: the one beside this program).") var binary: String?
    @Flag(help: "Print the figures as one JSON line last.") var json = false

    func validate() throws {
        guard (1000...100_000_000).contains(entries) else { throw ValidationError("--entries must be 1000 to 100000000") }
        guard (1...64).contains(connections) else { throw ValidationError("--connections must be 1 to 64") }
    }

    func run() throws {
        let binary = try BenchBinary.locate(binary)
        let root = site ?? FileManager.default.temporaryDirectory.path + "/careledger-bench-mirror-\(UUID().uuidString.prefix(8))"
        defer { if site == nil { try? FileManager.default.removeItem(atPath: root) } }
        let say: (String) -> Void = { FileHandle.standardError.write(Data(("mirror: " + $0 + "\n").utf8)) }
        let central = root + "/central"
        if FileManager.default.fileExists(atPath: central) {
            say("reusing \(central)")
        } else {
            _ = try BenchSite.build(size: entries, root: root, binary: binary, say: say)
        }
        let builder = BenchNetworkBuilder(binary: binary, root: root)
        let www = root + "/www", published = www + "/log", clinic = root + "/clinic-mirror"
        for scratch in [www, clinic, root + "/nginx"] { try? FileManager.default.removeItem(atPath: scratch) }
        try FileManager.default.createDirectory(atPath: www, withIntermediateDirectories: true)

        // Publish, as a process, into an empty folder.
        say("publishing central")
        let publishRun = try MeasuredProcess.runChecked(binary, ["publish", "--dir", central, "--to", published, "--json"], scratch: root,
                                                        stdoutPath: root + "/publish.json")
        let publication = try Self.lastJSON(root + "/publish.json")
        let treeSize = publication["tree_size"] as? Int ?? 0
        let publishSeconds = publishRun.milliseconds / 1000
        let sizes = try Self.publishedSizes(published, treeSize: UInt64(treeSize))
        var figures: [String: Any] = [
            "entries": treeSize, "connections": connections,
            "publish_seconds": Self.rounded(publishSeconds),
            "publish_entries_per_s": Int(Double(treeSize) / publishSeconds),
            "publish_peak_rss_mb": Self.rounded(publishRun.peakRSSMegabytes),
            "publish_cpu_s": Self.rounded(publishRun.cpuSeconds),
            "publish_cpu_us_per_entry": Self.rounded(publishRun.cpuSeconds / Double(max(1, treeSize)) * 1e6),
            "published_bytes": sizes.tiles + sizes.bundles, "tile_bytes": sizes.tiles, "log_bytes": sizes.bundles,
            "published_bytes_per_entry": Self.rounded(Double(sizes.tiles + sizes.bundles) / Double(max(1, treeSize))),
        ]
        print("publish: \(treeSize) entries in \(Self.rounded(publishSeconds)) s = \(figures["publish_entries_per_s"] ?? 0) entries/s, \(Self.rounded(publishRun.cpuSeconds)) CPU s, peak RSS \(Self.rounded(publishRun.peakRSSMegabytes)) MB")
        print("published: \(sizes.bundles) bytes of entry bundles + \(sizes.tiles) bytes of hash tiles = \(figures["published_bytes_per_entry"] ?? 0) bytes/entry")

        guard let nginxBinary = NginxProcess.binary else {
            say("nginx is not installed (apt-get install nginx): the catch-up is not measured")
            figures["skipped"] = "nginx not installed"
            if json { print(try sortedJSONLine(figures)) }
            return
        }
        let nginx = try NginxProcess(binary: nginxBinary, root: www, scratch: root + "/nginx")
        defer { nginx.stop() }
        let server = try HTTPServeProcess(binary: binary, site: central, log: root + "/serve.log")
        defer { server.stop() }
        try builder.careledger(["network", "genesis", "--dir", central, "--out", root + "/mirror-genesis.json"])
        try builder.careledger(["init", "--dir", clinic, "--site", "mirror-clinic", "--genesis", root + "/mirror-genesis.json"])

        say("catching a fresh clinic up from nginx on port \(nginx.port), \(connections) connections")
        let linesBefore = nginx.loggedRequests
        let centralBefore = ProcessCPU.seconds(server.pid)
        let nginxBefore = nginx.pids.reduce(0) { $0 + ProcessCPU.seconds($1) }
        let catchUp = try MeasuredProcess.runChecked(
            binary, ["sync", "--dir", clinic, "--mirror", "http://127.0.0.1:\(nginx.port)/log", "--connections", "\(connections)", "--json"],
            scratch: root, stdoutPath: root + "/sync.json", samplingPeak: true)
        let centralCPU = ProcessCPU.seconds(server.pid) - centralBefore
        let nginxCPU = nginx.pids.reduce(0) { $0 + ProcessCPU.seconds($1) } - nginxBefore
        let synced = try Self.lastJSON(root + "/sync.json")
        let sent = nginx.bytesSent(fromLine: linesBefore)
        let ingested = synced["entries_ingested"] as? Int ?? 0
        let catchUpSeconds = catchUp.milliseconds / 1000
        let catchUpRate = Double(ingested) / catchUpSeconds
        server.stop()
        nginx.stop()

        say("verifying the same entries' signatures in-process on 2 threads (the ceiling)")
        let ceiling = try Self.verifyCeiling(published, treeSize: UInt64(treeSize))
        figures["catchup_seconds"] = Self.rounded(catchUpSeconds)
        figures["catchup_entries"] = ingested
        figures["catchup_entries_per_s"] = Int(catchUpRate)
        figures["catchup_peak_rss_mb"] = Self.rounded(catchUp.peakRSSMegabytes)
        figures["catchup_cpu_s"] = Self.rounded(catchUp.cpuSeconds)
        figures["catchup_cores_busy"] = Self.rounded(catchUpSeconds > 0 ? catchUp.cpuSeconds / catchUpSeconds : 0)
        figures["catchup_cpu_us_per_entry"] = Self.rounded(catchUp.cpuSeconds / Double(max(1, ingested)) * 1e6)
        // Where the pipeline's stages waited (Specs/static-log.md §11.3), as `sync --json` reports it.
        if let waits = synced["pipeline"] as? [String: Any] {
            for (key, value) in waits { figures["catchup_pipeline_\(key)_s"] = Self.rounded(value as? Double ?? 0) }
        }
        figures["central_server_cpu_s_during_catchup"] = Self.rounded(centralCPU)
        figures["nginx_cpu_s_during_catchup"] = Self.rounded(nginxCPU)
        figures["bytes_transferred"] = sent.bytes
        figures["requests"] = sent.requests
        figures["bytes_received_decoded"] = synced["bytes_downloaded"] as? Int ?? 0
        figures["transferred_vs_log_ratio"] = Self.rounded(Double(sent.bytes) / Double(max(1, sizes.bundles)))
        figures["verify_ceiling_entries_per_s"] = Int(ceiling)
        figures["verify_ceiling_ratio"] = Self.rounded(ceiling > 0 ? catchUpRate / ceiling : 0)
        print("catch-up from nginx: \(ingested) entries in \(Self.rounded(catchUpSeconds)) s = \(Int(catchUpRate)) entries/s, \(Self.rounded(catchUp.cpuSeconds)) CPU s, peak RSS \(Self.rounded(catchUp.peakRSSMegabytes)) MB")
        print("2-thread verify ceiling (decode + Ed25519, in-process): \(Int(ceiling)) entries/s; catch-up / ceiling = \(figures["verify_ceiling_ratio"] ?? 0) (target >= 0.8)")
        print("central serve CPU during the catch-up: \(Self.rounded(centralCPU)) s (target ~0); nginx CPU: \(Self.rounded(nginxCPU)) s")
        print("transferred \(sent.bytes) bytes in \(sent.requests) requests (gzip) for \(sizes.bundles) bytes of log: ratio \(figures["transferred_vs_log_ratio"] ?? 0)")
        if json { print(try sortedJSONLine(figures)) }
    }

    /// The last line of a command's `--json` output as an object.
    static func lastJSON(_ path: String) throws -> [String: Any] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        guard let line = text.split(separator: "\n").last,
              let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw MeasuredProcess.Failure(description: "\(path) holds no JSON line")
        }
        return object
    }

    /// Bytes of the hash tiles and of the entry bundles a reader of `treeSize` needs.
    static func publishedSizes(_ folder: String, treeSize: UInt64) throws -> (tiles: Int, bundles: Int) {
        var tiles = 0, bundles = 0
        for tile in TileCoordinates.all(treeSize: treeSize) {
            let attributes = try FileManager.default.attributesOfItem(atPath: folder + "/" + tile.path)
            let size = (attributes[.size] as? NSNumber)?.intValue ?? 0
            if tile.isEntryBundle { bundles += size } else { tiles += size }
        }
        return (tiles, bundles)
    }

    /// Entries per second of decoding and verifying the published entries on 2 threads
    /// (`EntryBatch.decodeAndVerify`, the check ingest makes), 64 bundles at a time; reading
    /// the files is not timed.
    static func verifyCeiling(_ folder: String, treeSize: UInt64) throws -> Double {
        let bundles = TileCoordinates.all(treeSize: treeSize).filter(\.isEntryBundle)
        var seconds = 0.0, verified = 0
        var start = 0
        while start < bundles.count {
            var chunk: [[UInt8]] = []
            for bundle in bundles[start..<min(bundles.count, start + 64)] {
                guard let data = FileManager.default.contents(atPath: folder + "/" + bundle.path),
                      let entries = EntryBundle.decode(Array(data)) else {
                    throw MeasuredProcess.Failure(description: "cannot read \(bundle.path)")
                }
                chunk += entries
            }
            let began = ContinuousClock.now
            let checks = EntryBatch.decodeAndVerify(chunk, parallelism: 2)
            let elapsed = ContinuousClock.now - began
            seconds += Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            for check in checks {
                guard case .valid = check else { throw MeasuredProcess.Failure(description: "a published entry does not verify") }
            }
            verified += chunk.count
            start += 64
        }
        return seconds > 0 ? Double(verified) / seconds : 0
    }

    static func rounded(_ value: Double) -> Double { (value * 100).rounded() / 100 }
}
