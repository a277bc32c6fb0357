import ArgumentParser
import Foundation
import LedgerCore
import LedgerSite

/// `careledger-bench http`: the FHIR API under load as an EHR meets it (Specs/fhir-api.md).
/// Builds a real site with the `careledger` binary, starts `careledger serve --http`, and
/// drives it with `wrk` (Debian's package; an independent HTTP/1.1 load generator) over
/// keep-alive connections: CDS Hooks consults for random patients (each one recorded on the
/// ledger), then `GET Consent?patient=` searches. Beside them, the same consults answered
/// in-process by the library (`SiteAPI`, no HTTP): the HTTP layer's cost as a ratio.
struct HTTPBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "http", abstract: "Consults and searches per second against serve --http (needs wrk).")

    @Option(help: "Entries in the site (a tenth consent versions, over half as many patients).") var entries: Int = 1_000_000
    @Option(help: "Seconds of load per phase (1-600).") var seconds: Int = 20
    @Option(help: "Concurrent keep-alive connections (1-1024).") var connections: Int = 16
    @Option(help: "The careledger binary (default: the one beside this program).") var binary: String?
    @Option(help: "Build the site here and keep it (default: a temporary folder, removed).") var keep: String?
    @Option(help: "Use this existing site folder instead of building one (--entries then only sizes the patients; the run records its consults in it).") var site: String?
    @Flag(help: "Print the figures as one JSON line last.") var json = false

    func validate() throws {
        guard (100...100_000_000).contains(entries) else { throw ValidationError("--entries must be 100 to 100000000") }
        guard (1...600).contains(seconds) else { throw ValidationError("--seconds must be 1 to 600") }
        guard (1...1024).contains(connections) else { throw ValidationError("--connections must be 1 to 1024") }
    }

    func run() throws {
        guard let wrk = ["/usr/bin/wrk", "/usr/local/bin/wrk"].first(where: FileManager.default.isExecutableFile(atPath:)) else {
            throw ValidationError("careledger-bench http needs wrk: apt-get install wrk")
        }
        let binary = try BenchBinary.locate(binary)
        let root = keep ?? FileManager.default.temporaryDirectory.path + "/careledger-bench-http-\(UUID().uuidString.prefix(8))"
        defer { if keep == nil { try? FileManager.default.removeItem(atPath: root) } }
        let say: (String) -> Void = { FileHandle.standardError.write(Data(("http: " + $0 + "\n").utf8)) }
        let site: BenchSite
        if let existing = self.site {
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            site = try BenchSite.existing(existing, binary: binary, scratch: root)
        } else {
            site = try BenchSite.build(size: entries, root: root, binary: binary, say: say)
        }
        let patients = max(1, (entries / 10) / 2)
        let tokenFile = root + "/token.json"
        let tokenName = "bench-" + UUID().uuidString.prefix(8).lowercased()
        _ = try MeasuredProcess.runChecked(binary, ["api-token", "--dir", site.central, "--name", tokenName, "--json"], scratch: root, stdoutPath: tokenFile)
        let tokenObject = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: tokenFile))) as? [String: Any]
        guard let token = tokenObject?["token"] as? String else { throw ValidationError("api-token printed no token") }

        var figures: [String: Any] = ["entries": site.entries, "patients": patients, "connections": connections, "seconds": seconds]
        let server = try HTTPServeProcess(binary: binary, site: site.central, log: root + "/serve.log")
        defer { server.stop() }
        say("serve --http on port \(server.port) (pid \(server.pid))")
        let first = ContinuousClock.now
        try server.get("/fhir/Consent?patient=\(SiteCorpus.patientSystem)%7Cbench-mrn-0", token: token)
        figures["first_request_ms"] = Self.milliseconds(ContinuousClock.now - first)
        figures["server_rss_after_first_request_mb"] = (MeasuredChild.statusMegabytes(pid: server.pid, field: "VmRSS") ?? 0).rounded()

        let cpuBefore = MeasuredChild.cpuMilliseconds(pid: server.pid)
        let consult = try WrkRun(wrk: wrk, port: server.port, seconds: seconds, connections: connections, scratch: root,
                                 script: WrkRun.consultScript(token: token, patients: patients))
        // The server's CPU per consult: unlike the rate, it does not move with the disk's fsync
        // latency (a busy shared machine's), so runs far apart compare.
        if let before = cpuBefore, let after = MeasuredChild.cpuMilliseconds(pid: server.pid), consult.perSecond > 0 {
            figures["consult_server_cpu_us"] = ((after - before) * 1000 / (consult.perSecond * Double(seconds))).rounded()
        }
        say("consults: \(consult.perSecond)/s, p50 \(consult.p50) ms, p99 \(consult.p99) ms, \(consult.failures) non-2xx")
        let search = try WrkRun(wrk: wrk, port: server.port, seconds: seconds, connections: connections, scratch: root,
                                script: WrkRun.searchScript(token: token, patients: patients))
        say("searches: \(search.perSecond)/s, p50 \(search.p50) ms, p99 \(search.p99) ms, \(search.failures) non-2xx")
        figures["consults_per_s"] = Int(consult.perSecond)
        figures["consult_p50_ms"] = consult.p50
        figures["consult_p99_ms"] = consult.p99
        figures["consult_failures"] = consult.failures
        figures["search_per_s"] = Int(search.perSecond)
        figures["search_p50_ms"] = search.p50
        figures["search_p99_ms"] = search.p99
        figures["search_failures"] = search.failures
        figures["server_peak_rss_mb"] = (MeasuredChild.statusMegabytes(pid: server.pid, field: "VmHWM") ?? 0).rounded()
        server.stop()

        let library = try Self.libraryConsults(site: site.central, patients: patients, seconds: min(seconds, 5), token: token)
        figures["library_consults_per_s"] = Int(library)
        figures["http_vs_library_ratio"] = library > 0 ? (consult.perSecond / library * 100).rounded() / 100 : 0
        print("consults over HTTP: \(Int(consult.perSecond))/s (p50 \(consult.p50) ms, p99 \(consult.p99) ms, server CPU \(figures["consult_server_cpu_us"] ?? 0) µs each); in-process library: \(Int(library))/s; ratio \(figures["http_vs_library_ratio"] ?? 0)")
        print("Consent?patient= over HTTP: \(Int(search.perSecond))/s (p50 \(search.p50) ms, p99 \(search.p99) ms)")
        print("serve peak RSS \(figures["server_peak_rss_mb"] ?? 0) MB; first request \(figures["first_request_ms"] ?? 0) ms at \(site.entries) entries")
        print("targets: consult p99 < 10 ms, >= 5000 consults/s, RSS < 300 MB")
        if json { print(try sortedJSONLine(figures)) }
    }

    /// Consults answered by `SiteAPI` in this process for `seconds`, per second.
    static func libraryConsults(site: String, patients: Int, seconds: Int, token: String) throws -> Double {
        let ledger = try SiteLedger.open(at: site)
        let api = SiteAPI(service: try LedgerSyncService(ledger: ledger), layout: ledger.layout, siteName: "bench")
        let box = ResultBox()
        let done = DispatchSemaphore(value: 0)
        Task {
            var generator = SystemRandomNumberGenerator()
            var count = 0
            _ = await api.respond(to: WrkRun.consultRequest(patient: 0, token: token))  // loads the state
            let start = ContinuousClock.now
            while ContinuousClock.now - start < .seconds(seconds) {
                _ = await api.respond(to: WrkRun.consultRequest(patient: Int.random(in: 0..<patients, using: &generator), token: token))
                count += 1
            }
            box.set(Double(count) / Double(seconds))
            done.signal()
        }
        done.wait()
        return box.value
    }

    static func milliseconds(_ duration: Duration) -> Double {
        (Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15).rounded()
    }
}

/// One value handed from a task to the waiting thread.
final class ResultBox: @unchecked Sendable {  // written once before the semaphore is signalled
    private(set) var value = 0.0
    func set(_ value: Double) { self.value = value }
}
