import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import LedgerCore
import LedgerSite
import TestSupport
import Testing

@testable import CareLedgerCLI

// MARK: - Driving the built `careledger` binary

/// Runs the `careledger` binary that `swift build` put beside this test bundle.
enum ReportCLI {
    /// What one run printed and returned.
    struct Run {
        let status: Int32
        let stdout: String
        let stderr: String

        /// Stdout parsed as one JSON object.
        func object() throws -> [String: Any] {
            let value = try JSONSerialization.jsonObject(with: Data(stdout.utf8))
            guard let object = value as? [String: Any] else { throw ReportTestError("stdout is not a JSON object: \(stdout)") }
            return object
        }
    }

    /// The binary: beside the test bundle, else in the package's .build/debug.
    static let binary: String? = {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("careledger").path
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let candidates = [beside, package.appendingPathComponent(".build/debug/careledger").path]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// Runs `careledger args…`; throws when the exit status is not `expect`.
    @discardableResult
    static func run(_ args: [String], expect: Int32 = 0) throws -> Run {
        guard let binary else { throw ReportTestError("careledger binary not found beside the test bundle; run `swift build` first") }
        return try runProgram(binary, args, expect: expect, what: "careledger " + args.joined(separator: " "))
    }

    /// Runs any program with `args`; throws when the exit status is not `expect`.
    @discardableResult
    static func runProgram(_ path: String, _ args: [String], expect: Int32 = 0, what: String) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = args
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read both pipes to the end before waiting, so a full pipe never blocks the child.
        let group = DispatchGroup()
        // Written by the reader task only; read after group.wait(), which orders the two.
        nonisolated(unsafe) var errData = Data()
        group.enter()
        DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        let run = Run(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
        guard run.status == expect else {
            throw ReportTestError("\(what) exited \(run.status), expected \(expect); stderr: \(run.stderr) stdout: \(run.stdout.prefix(400))")
        }
        return run
    }
}

/// A failed step of a report test, with what went wrong.
struct ReportTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

// MARK: - A small network with every kind of outcome

/// Three member sites and a stranger, with bundles carried through folders: consent
/// conflicts opened and resolved, access checks recorded (one break-glass), a quarantined
/// stranger, a fork from a site restored from backup, and verify runs (one catching a
/// tampered tree head). Built once; each test copies the central site before using it.
struct ReportNetwork: Sendable {
    let root: String
    let central: String
    let keys: [String: String]
    /// PSEUDONYM/CONSENT-ID of the conflict resolved at central, and of the one left open.
    let resolvedConsent: String
    let openConsent: String
    /// Emergency decision's ledger entry id.
    let emergencyEntry: String

    /// One folder per test process, removed when the process exits.
    static let rootPath = FileManager.default.temporaryDirectory.path + "/careledger-report-net-\(getpid())"

    static let shared: Result<ReportNetwork, ReportTestError> = {
        atexit { try? FileManager.default.removeItem(atPath: ReportNetwork.rootPath) }
        do { return .success(try build()) } catch let error as ReportTestError { return .failure(error) } catch {
            return .failure(ReportTestError("building the test network failed: \(error)"))
        }
    }()

    /// A copy of the central site in a fresh folder, so tests never share a lock.
    func copyOfCentral() throws -> TemporaryDirectory {
        let temp = try TemporaryDirectory(prefix: "careledger-report")
        try FileManager.default.copyItem(atPath: central, toPath: temp.path + "/central")
        return temp
    }

    static let patient1 = "urn:oid:2.16.840.1.113883.2.4.6.3|report-test-1"
    static let patient2 = "urn:oid:2.16.840.1.113883.2.4.6.3|report-test-2"

    static func consent(id: String, patient: String, status: String = "active", purposes: [String] = ["TREAT"]) -> String {
        let parts = patient.split(separator: "|").map(String.init)
        let purposeJSON = purposes.map { "{\"system\":\"http://terminology.hl7.org/CodeSystem/v3-ActReason\",\"code\":\"\($0)\"}" }.joined(separator: ",")
        return """
        {"resourceType":"Consent","id":"\(id)","status":"\(status)",
         "scope":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/consentscope","code":"patient-privacy"}]},
         "category":[{"coding":[{"system":"http://loinc.org","code":"59284-0"}]}],
         "patient":{"identifier":{"system":"\(parts[0])","value":"\(parts[1])"}},
         "policyRule":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"OPTIN"}]},
         "provision":{"type":"permit","period":{"start":"2020-01-01","end":"2099-12-31"},
           "actor":[{"role":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ParticipationType","code":"PRCP"}]},
                     "reference":{"reference":"Organization/clinic-b"}}],
           "purpose":[\(purposeJSON)],
           "class":[{"system":"http://hl7.org/fhir/resource-types","code":"Observation"}]}}
        """
    }

    private static func build() throws -> ReportNetwork {
        let root = rootPath
        try? FileManager.default.removeItem(atPath: root)
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let (central, a, b) = (root + "/central", root + "/clinic-a", root + "/clinic-b")
        let stick = root + "/stick", strangerStick = root + "/stick-stranger", backupStick = root + "/stick-backup"
        for folder in [stick, strangerStick, backupStick] { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        @discardableResult func cl(_ args: String..., expect: Int32 = 0) throws -> ReportCLI.Run { try ReportCLI.run(args, expect: expect) }
        func write(_ name: String, _ text: String) throws -> String {
            let path = root + "/" + name
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            return path
        }
        func sync(_ dir: String, _ folder: String = stick) throws { try cl("sync", "--dir", dir, "--folder", folder, "--json") }

        // A network: central founds it, two clinics join and are admitted.
        try cl("network", "create", "--dir", central, "--site", "central", "--name", "Report test network", "--json")
        try cl("network", "genesis", "--dir", central, "--out", root + "/genesis.json", "--json")
        var keys: [String: String] = [:]
        for (name, dir) in [("clinic-a", a), ("clinic-b", b)] {
            try cl("init", "--dir", dir, "--site", name, "--genesis", root + "/genesis.json", "--role", "clinic", "--json")
            let identity = try cl("identity", "--dir", dir, "--json").object()
            let key = identity["site_key"] as? String ?? "", agreement = identity["agreement_key"] as? String ?? ""
            keys[name] = key
            try cl("members", "admit", "--dir", central, "--key", key, "--agreement-key", agreement, "--name", name, "--role", "clinic", "--json")
        }
        keys["central"] = try cl("identity", "--dir", central, "--json").object()["site_key"] as? String
        try sync(central); try sync(a); try sync(b); try sync(central)

        // Clinic A records a consent and three access checks, one of them break-glass.
        try cl("consent", "import", "--dir", a, try write("c1-v1.json", consent(id: "c1", patient: patient1)), "--json")
        let permit = try cl("check", "--dir", a, "--patient", patient1, "--actor", "Organization/clinic-b", "--purpose", "TREAT",
                            "--class", "Observation", "--record", "--json").object()
        guard permit["decision"] as? String == "permit" else { throw ReportTestError("expected permit, got \(permit)") }
        try cl("check", "--dir", a, "--patient", patient1, "--actor", "Organization/clinic-b", "--purpose", "HRESCH",
               "--class", "Observation", "--record", "--json")
        let emergency = try cl("check", "--dir", a, "--patient", patient1, "--actor", "Organization/clinic-a", "--purpose", "ETREAT",
                               "--class", "Observation", "--emergency", "--json").object()
        guard emergency["decision"] as? String == "permit", let emergencyEntry = emergency["entry_id"] as? String else {
            throw ReportTestError("expected a recorded break-glass permit, got \(emergency)")
        }
        try sync(a); try sync(b)
        try cl("check", "--dir", b, "--patient", patient1, "--actor", "Organization/clinic-b", "--purpose", "TREAT",
               "--class", "Observation", "--record", "--json")

        // Offline, both clinics edit c1 and both create c2: two conflicts.
        try cl("consent", "import", "--dir", a, try write("c1-a.json", consent(id: "c1", patient: patient1, status: "inactive")),
               try write("c2-a.json", consent(id: "c2", patient: patient2)), "--json")
        try cl("consent", "import", "--dir", b, try write("c1-b.json", consent(id: "c1", patient: patient1, purposes: ["TREAT", "HRESCH"])),
               try write("c2-b.json", consent(id: "c2", patient: patient2, purposes: ["HRESCH"])), "--json")
        try sync(a); try sync(b); try sync(central)
        let conflicts = try cl("conflicts", "--dir", central, "--json").object()["conflicts"] as? [[String: Any]] ?? []
        let names = conflicts.compactMap { $0["consent"] as? String }
        guard names.count == 2, let c1 = names.first(where: { $0.hasSuffix("/c1") }), let c2 = names.first(where: { $0.hasSuffix("/c2") }) else {
            throw ReportTestError("expected conflicts on c1 and c2 at central, got \(names)")
        }
        try cl("consent", "resolve", "--dir", central, "--consent", c1, "--json")

        // A stranger (never admitted) sends its entries: central quarantines them.
        let stranger = root + "/stranger"
        try cl("init", "--dir", stranger, "--site", "stranger", "--genesis", root + "/genesis.json", "--role", "clinic", "--json")
        try sync(stranger, strangerStick); try sync(central, strangerStick)

        // Clinic A is restored from a backup copy and both copies write: a fork.
        let restored = root + "/clinic-a-restored"
        try FileManager.default.copyItem(atPath: a, toPath: restored)
        try cl("anchor", "--dir", a, "--file", try write("record-1.json", "{\"resourceType\":\"Observation\",\"id\":\"o1\"}"), "--json")
        try cl("anchor", "--dir", restored, "--file", try write("record-2.json", "{\"resourceType\":\"Observation\",\"id\":\"o2\"}"), "--json")
        try sync(restored, backupStick); try sync(a)
        try sync(central, backupStick); try sync(central)

        // Verify passes, catches a tampered tree head, and passes again once it is restored.
        try cl("verify", "--dir", central, "--json")
        let heads = central + "/heads.log"
        let original = try Data(contentsOf: URL(fileURLWithPath: heads))
        var tampered = original
        tampered[SignedTreeHead.encodedSize - 1] ^= 0x01
        try tampered.write(to: URL(fileURLWithPath: heads))
        try cl("verify", "--dir", central, "--json", expect: 1)
        try original.write(to: URL(fileURLWithPath: heads))
        try cl("verify", "--dir", central, "--json")
        return ReportNetwork(root: root, central: central, keys: keys, resolvedConsent: c1, openConsent: c2, emergencyEntry: emergencyEntry)
    }
}

// MARK: - Reading the report back

/// Checks on the report's HTML: its SVG plots and its sections.
enum ReportPage {
    /// Every `<svg …>…</svg>` element of the page.
    static func svgs(_ html: String) -> [String] {
        var out: [String] = []
        var rest = html[...]
        while let start = rest.range(of: "<svg"), let end = rest.range(of: "</svg>", range: start.upperBound..<rest.endIndex) {
            out.append(String(rest[start.lowerBound..<end.upperBound]))
            rest = rest[end.upperBound...]
        }
        return out
    }

    /// The element names and texts of an SVG, parsed with Foundation's XMLParser; nil when it is not well-formed.
    static func parse(_ svg: String) -> (elements: [String], classes: [String: [String]])? {
        let delegate = SVGCollector()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = delegate
        guard parser.parse() else { return nil }
        return (delegate.elements, delegate.textsByClass)
    }

    /// The section with this id, from its tag to the next `</section>`.
    static func section(_ id: String, in html: String) -> String? {
        guard let start = html.range(of: "<section id=\"\(id)\"") ,
              let end = html.range(of: "</section>", range: start.upperBound..<html.endIndex) else { return nil }
        return String(html[start.lowerBound..<end.upperBound])
    }

    /// Addresses of outside resources: http(s) URLs other than the SVG namespace.
    static func externalReferences(_ html: String) -> [String] {
        let pattern = try? NSRegularExpression(pattern: #"https?://[^\s"'<>)]+"#)
        let range = NSRange(html.startIndex..., in: html)
        return (pattern?.matches(in: html, range: range) ?? []).compactMap { Range($0.range, in: html).map { String(html[$0]) } }
            .filter { $0 != "http://www.w3.org/2000/svg" }
    }
}

/// Collects element names and the text of elements that carry a `class`.
final class SVGCollector: NSObject, XMLParserDelegate {
    var elements: [String] = []
    var textsByClass: [String: [String]] = [:]
    private var currentClass: String?
    private var text = ""

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        elements.append(name)
        currentClass = attributes["class"]
        text = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "text", let classes = currentClass {
            for cls in classes.split(separator: " ") { textsByClass[String(cls), default: []].append(text) }
        }
        currentClass = nil
        text = ""
    }
}

// MARK: - Tests

@Suite("careledger report")
struct ReportTests {
    func network() throws -> ReportNetwork { try ReportNetwork.shared.get() }

    func buildReport() throws -> (temp: TemporaryDirectory, out: String, html: String, json: [String: Any], summary: [String: Any]) {
        let net = try network()
        let temp = try net.copyOfCentral()
        let out = temp.path + "/report"
        let summary = try ReportCLI.run(["report", "--dir", temp.path + "/central", "--out", out, "--json"]).object()
        let html = try String(contentsOfFile: out + "/index.html", encoding: .utf8)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/report.json"))) as? [String: Any] ?? [:]
        return (temp, out, html, json, summary)
    }

    @Test("report --json prints where the report is, its figures and its build time")
    func jsonSummaryNamesOutFiguresAndBuildTime() throws {
        let (temp, out, _, _, summary) = try buildReport()
        defer { temp.remove() }
        #expect(summary["out"] as? String == out)
        #expect((summary["build_ms"] as? Double ?? 0) > 0)
        let figures = try #require(summary["figures"] as? [String: Any])
        #expect(figures["conflicts_opened"] as? Int == 2)
        #expect(figures["conflicts_resolved"] as? Int == 1)
        #expect(figures["conflicts_open"] as? Int == 1)
        #expect(figures["access_decisions"] as? Int == 4)
        #expect(figures["break_glass"] as? Int == 1)
        #expect(figures["verify_runs"] as? Int == 3)
        #expect(figures["failed_verifications"] as? Int == 1)
        #expect(figures["forks"] as? Int == 1)
        #expect((figures["quarantined"] as? Int ?? 0) >= 1)
    }

    @Test("report.json counts match what the network did")
    func reportJSONCountsMatchTheScenario() throws {
        let net = try network()
        let (temp, _, _, json, _) = try buildReport()
        defer { temp.remove() }
        let access = try #require(json["access"] as? [String: Any])
        #expect(access["total"] as? Int == 4)
        #expect(access["permit"] as? Int == 3)
        #expect(access["deny"] as? Int == 1)
        let purposes = try #require(access["by_purpose"] as? [[String: Any]])
        let byPurpose = Dictionary(uniqueKeysWithValues: purposes.map { ($0["purpose"] as? String ?? "", $0) })
        #expect(byPurpose["TREAT"]?["permit"] as? Int == 2)
        #expect(byPurpose["HRESCH"]?["deny"] as? Int == 1)
        #expect(byPurpose["ETREAT"]?["emergency"] as? Int == 1)
        let breakGlass = try #require(access["break_glass"] as? [[String: Any]])
        #expect(breakGlass.count == 1)
        #expect(breakGlass.first?["entry_id"] as? String == net.emergencyEntry)
        #expect(breakGlass.first?["site"] as? String == "clinic-a")

        let conflicts = try #require(json["conflicts"] as? [String: Any])
        let episodes = try #require(conflicts["conflicts"] as? [[String: Any]])
        let resolved = episodes.first { $0["consent"] as? String == net.resolvedConsent }
        #expect(resolved?["resolved_at"] as? String != nil)
        #expect(resolved?["heads"] as? Int == 2)
        #expect(episodes.first { $0["consent"] as? String == net.openConsent }?["resolved_at"] == nil)

        let latency = try #require(json["latency"] as? [[String: Any]])
        for clinic in ["clinic-a", "clinic-b"] {
            let row = try #require(latency.first { $0["site"] as? String == clinic }, "no latency row for \(clinic)")
            let median = try #require(row["median_ms"] as? Int), p95 = try #require(row["p95_ms"] as? Int)
            #expect(median >= 0 && p95 >= median)
            #expect((row["samples"] as? Int ?? 0) > 0)
        }
        let integrity = try #require(json["integrity"] as? [String: Any])
        #expect((integrity["verify_faults"] as? Int ?? 0) >= 1)
        #expect((integrity["timeline"] as? [Any])?.isEmpty == false)
    }

    @Test("the HTML has every section with the scenario's numbers and lists the break-glass event")
    func htmlHasEverySectionWithRealNumbers() throws {
        let net = try network()
        let (temp, _, html, json, _) = try buildReport()
        defer { temp.remove() }
        for id in ["integrity", "latency", "conflicts", "access", "effort"] {
            #expect(ReportPage.section(id, in: html) != nil, "section \(id) missing")
        }
        let access = try #require(ReportPage.section("access", in: html))
        #expect(access.contains("4 recorded decision(s): 3 permit, 1 deny; 1 break-glass"))
        #expect(access.contains("Break-glass (emergency) events: 1"))
        #expect(access.contains("Organization/clinic-a"))
        #expect(access.contains("<tr class=\"highlight\"><td>"))
        #expect(access.contains(String(net.emergencyEntry.prefix(16))))
        let conflicts = try #require(ReportPage.section("conflicts", in: html))
        #expect(conflicts.contains("2 conflict(s) opened, 1 resolved, 1 still open"))
        let latency = try #require(ReportPage.section("latency", in: html))
        for row in json["latency"] as? [[String: Any]] ?? [] {
            let site = row["site"] as? String ?? "?", median = row["median_ms"] as? Int ?? -1, p95 = row["p95_ms"] as? Int ?? -1
            #expect(latency.contains("<td>\(site)</td>"), "no latency row for \(site)")
            #expect(latency.contains("<td>\(median)</td><td>\(p95)</td>"), "latency row of \(site) lacks \(median)/\(p95)")
        }
        let integrity = try #require(ReportPage.section("integrity", in: html))
        #expect(integrity.contains("3 verify run(s), 1 failed"))
        #expect(integrity.contains("FAILED"))
        let effort = try #require(ReportPage.section("effort", in: html))
        #expect(effort.contains("This report took <strong>"))
        #expect(effort.contains("ms opening the site"))
    }

    @Test("every plot is well-formed SVG with a title, axis labels, ticks and data marks")
    func everyPlotParsesAndHasAxesAndData() throws {
        let (temp, _, html, _, _) = try buildReport()
        defer { temp.remove() }
        let svgs = ReportPage.svgs(html)
        #expect(svgs.count == 5)
        for svg in svgs {
            let parsed = try #require(ReportPage.parse(svg), "not well-formed XML: \(svg.prefix(200))")
            #expect(!svg.contains("No data yet"), "a plot of the full scenario shows no data")
            #expect(parsed.classes["plot-title"]?.first?.isEmpty == false)
            #expect(parsed.classes["x-label"]?.first?.isEmpty == false, "no x axis label")
            #expect(parsed.classes["y-label"]?.first?.isEmpty == false, "no y axis label")
            #expect((parsed.classes["y-tick"]?.count ?? 0) >= 2, "no y ticks")
            #expect((parsed.classes["x-tick"]?.count ?? 0) >= 1, "no x ticks")
            #expect(parsed.elements.contains("rect") || parsed.elements.contains("polyline"))
            #expect(svg.contains("class=\"bar\"") || svg.contains("class=\"series\""), "no data marks")
        }
    }

    @Test("the report references no outside asset")
    func reportHasNoExternalReferences() throws {
        let (temp, _, html, _, _) = try buildReport()
        defer { temp.remove() }
        #expect(ReportPage.externalReferences(html) == [])
        #expect(!html.contains("<script"))
        #expect(!html.contains("<link"))
        #expect(!html.contains("src="))
    }

    @Test("a new site's report shows a no-data panel for each empty measure")
    func emptySiteShowsNoDataPanels() throws {
        let temp = try TemporaryDirectory(prefix: "careledger-report-empty")
        defer { temp.remove() }
        try ReportCLI.run(["network", "create", "--dir", temp.path + "/site", "--site", "alone", "--name", "Empty", "--json"])
        try ReportCLI.run(["report", "--dir", temp.path + "/site", "--out", temp.path + "/out", "--json"])
        let html = try String(contentsOfFile: temp.path + "/out/index.html", encoding: .utf8)
        let svgs = ReportPage.svgs(html)
        #expect(svgs.count == 5)
        #expect(svgs.filter { $0.contains("No data yet") }.count == 4)
        for svg in svgs { #expect(ReportPage.parse(svg) != nil) }
        // The effort plot always has data: this build itself.
        #expect(ReportPage.section("effort", in: html)?.contains("class=\"bar\"") == true)
    }

    @Test("report builds are kept so effort is plotted over time")
    func secondReportPlotsBothBuilds() throws {
        let temp = try TemporaryDirectory(prefix: "careledger-report-runs")
        defer { temp.remove() }
        try ReportCLI.run(["network", "create", "--dir", temp.path + "/site", "--site", "alone", "--name", "Runs", "--json"])
        for _ in 0..<2 { try ReportCLI.run(["report", "--dir", temp.path + "/site", "--out", temp.path + "/out", "--json"]) }
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: temp.path + "/out/report.json"))) as? [String: Any]
        let runs = (json?["audit_effort"] as? [String: Any])?["runs"] as? [[String: Any]]
        #expect(runs?.count == 2)
    }

    /// The first of these programs on PATH, if any.
    static func onPath(_ names: String...) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            for name in names where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") { return "\(dir)/\(name)" }
        }
        return nil
    }

    @Test("headless Chromium renders the report to a full-page PNG", .enabled(if: onPath("chromium", "chromium-browser") != nil))
    func chromiumRendersTheReport() throws {
        let (temp, out, _, _, _) = try buildReport()
        defer { temp.remove() }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Tools/screenshot_report.sh").path
        let png = temp.path + "/report.png"
        try ReportCLI.runProgram("/bin/sh", [script, out, png], what: "screenshot_report.sh")
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: png)))
        #expect(bytes.starts(with: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), "not a PNG")
        // IHDR: width and height, big-endian, at offsets 16 and 20.
        let be32 = { (at: Int) in bytes[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
        try #require(bytes.count > 24)
        #expect(be32(16) == 1100 && be32(20) == 4200)
        #expect(bytes.count > 50_000, "a page with five plots compresses to more than a blank page")
    }

    @Test("report and status draw a progress bar under a pseudo-terminal and none when piped",
          .enabled(if: onPath("script") != nil))
    func progressOnlyOnATerminal() throws {
        let net = try network()
        let temp = try net.copyOfCentral()
        defer { temp.remove() }
        let binary = try #require(ReportCLI.binary)
        let dir = temp.path + "/central"
        for (command, label) in [("report --out \(temp.path)/out", "report ["), ("status", "status [")] {
            let line = "\(binary) \(command) --dir \(dir)"
            let tty = try ReportCLI.runProgram(try #require(Self.onPath("script")), ["-q", "-e", "-c", line, "/dev/null"], what: "script")
            #expect(tty.stdout.contains(label), "no progress bar on a terminal for \(command)")
            let piped = try ReportCLI.run(command.split(separator: " ").map(String.init) + ["--dir", dir])
            #expect(!piped.stderr.contains(label), "a progress bar when piped for \(command)")
        }
    }

    @Test("an --out that cannot be a folder is a usage error naming it")
    func unwritableOutIsAUsageError() throws {
        let temp = try TemporaryDirectory(prefix: "careledger-report-out")
        defer { temp.remove() }
        try ReportCLI.run(["network", "create", "--dir", temp.path + "/site", "--site", "alone", "--name", "Out", "--json"])
        try Data("not a folder".utf8).write(to: URL(fileURLWithPath: temp.path + "/file"))
        let run = try ReportCLI.run(["report", "--dir", temp.path + "/site", "--out", temp.path + "/file"], expect: 2)
        #expect(run.stderr.hasPrefix("error: cannot write the report to \(temp.path)/file"))
        #expect(run.stdout.isEmpty)
    }
}

@Suite("report drawing blocks")
struct ReportBuildingBlockTests {
    @Test("axis ticks are round numbers covering the maximum")
    func ticksCoverTheMaximum() {
        #expect(PlotScale.linearTicks(maximum: 37) == [0, 10, 20, 30, 40])
        #expect(PlotScale.countTicks(maximum: 2) == [0, 1, 2])
        #expect(PlotScale.countTicks(maximum: 0) == [0, 1])
        let (ticks, step) = PlotScale.timeTicks(from: 0, to: 3_600_000)
        #expect(step == 600_000 && ticks.first == 0 && ticks.last == 3_600_000)
    }

    @Test("text in plots is escaped so every plot stays well-formed XML")
    func plotTextIsEscaped() throws {
        let svg = SVGPlot.bars(id: "x", title: "a <b> & \"c\"", categories: ["<site & co>"],
                               series: [PlotSeries(name: "n'1", color: "#000", values: [3])], xLabel: "x & y", yLabel: "<y>")
        let parsed = try #require(ReportPage.parse(svg))
        #expect(parsed.classes["plot-title"] == ["a <b> & \"c\""])
        #expect(parsed.classes["y-label"] == ["<y>"])
    }
}

@Suite("integrity plot")
struct IntegrityPlotTests {
    static func run(_ time: String, ok: Bool = true, faults: Int = 0) -> VerifyRunFigure {
        VerifyRunFigure(time: time, ok: ok, entries: 10, faults: faults)
    }

    static func figures(runs: [VerifyRunFigure], timeline: [IncidentEvent] = []) -> IntegrityFigures {
        IntegrityFigures(verifyRuns: runs, failedVerifications: runs.filter { !$0.ok }.count,
                         verifyFaults: runs.reduce(0) { $0 + $1.faults }, quarantined: [], forks: [], timeline: timeline)
    }

    @Test("a site verified clean gets axes and a ring per run at zero, not a no-data panel")
    func passingRunsAreDrawnAsZeroIncidents() throws {
        let svg = ReportPlots.integrity(Self.figures(runs: [Self.run("2026-01-05T10:00:00Z"), Self.run("2026-01-05T10:00:30Z")]))
        let parsed = try #require(ReportPage.parse(svg))
        #expect(!svg.contains("No data yet"))
        #expect(parsed.classes["x-label"]?.first?.isEmpty == false)
        #expect(parsed.classes["y-label"] == ["incidents"])
        #expect(parsed.classes["y-tick"] == ["0", "1"])
        #expect(svg.components(separatedBy: "class=\"marker\"").count - 1 == 2, "one ring per bucket holding a passing run")
        #expect(!svg.contains("class=\"bar\""), "zero incidents draws no bar")
    }

    @Test("a site never verified and with no incident still gets the no-data panel")
    func nothingRecordedIsNoData() {
        #expect(ReportPlots.integrity(Self.figures(runs: [])).contains("No data yet"))
    }

    @Test("failed runs are bars of faults and only passing runs get rings")
    func failedRunsAreBarsAndPassingRunsRings() throws {
        let failed = Self.run("2026-01-05T10:00:00Z", ok: false, faults: 3)
        let figures = Self.figures(runs: [failed, Self.run("2026-01-05T10:00:40Z")],
                                   timeline: [IncidentEvent(time: failed.time, kind: .verifyFault, count: 3)])
        let svg = ReportPlots.integrity(figures)
        #expect(ReportPage.parse(svg) != nil)
        #expect(svg.components(separatedBy: "class=\"bar\"").count - 1 == 1)
        #expect(svg.components(separatedBy: "class=\"marker\"").count - 1 == 1)
        #expect(svg.contains("verify faults 3"))
    }
}
