import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

/// One run of the built `careledger demo` into a temporary folder, shared by the tests
/// below: they read the audit report the demo wrote for its central site.
struct DemoRun: Sendable {
    let folder: String
    let stdout: String
    let html: String

    var reportDirectory: String { folder + "/report" }

    /// One folder per test process, removed when the process exits.
    static let folderPath = FileManager.default.temporaryDirectory.path + "/careledger-demo-report-\(getpid())"

    static let shared: Result<DemoRun, ReportTestError> = {
        atexit { try? FileManager.default.removeItem(atPath: DemoRun.folderPath) }
        guard let binary = BuiltBinary.careledger else { return .failure(ReportTestError("the careledger binary is not built")) }
        do {
            try? FileManager.default.removeItem(atPath: folderPath)
            let run = try BuiltBinary.run(binary, ["demo", "--dir", folderPath])
            guard run.status == 0 else { return .failure(ReportTestError("demo exited \(run.status): \(run.stderr)\n\(run.stdout)")) }
            let html = try String(contentsOfFile: folderPath + "/report/index.html", encoding: .utf8)
            return .success(DemoRun(folder: folderPath, stdout: run.stdout, html: html))
        } catch {
            return .failure(ReportTestError("running the demo failed: \(error)"))
        }
    }()
}

/// The demo writes central's audit report itself, and every plot in it shows the demo's data.
@Suite("the demo's audit report")
struct DemoReportTests {
    func demo() throws -> DemoRun { try DemoRun.shared.get() }

    @Test("the demo ends by saying where the data and the report are", .enabled(if: BuiltBinary.careledger != nil))
    func narrationEndsWithDataAndReport() throws {
        let run = try demo()
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("All 16 steps held") })
        let tail = lines.suffix(2)
        #expect(tail.first?.hasPrefix("The data:") == true && tail.first?.contains(run.folder) == true, "\(tail)")
        #expect(tail.last?.hasPrefix("The report: \(run.folder)/report/index.html") == true, "\(tail)")
        #expect(FileManager.default.fileExists(atPath: run.reportDirectory + "/report.json"))
    }

    @Test("every plot of the demo's report parses as SVG with axis labels, ticks and data marks",
          .enabled(if: BuiltBinary.careledger != nil))
    func everyPlotHasAxesLabelsAndData() throws {
        let run = try demo()
        let svgs = ReportPage.svgs(run.html)
        #expect(svgs.count == 5)
        for svg in svgs {
            let id = svg.range(of: #"id="[^"]+""#, options: .regularExpression).map { String(svg[$0]) } ?? "?"
            let parsed = try #require(ReportPage.parse(svg), "\(id) is not well-formed XML")
            #expect(!svg.contains("No data yet"), "\(id) shows no data")
            #expect(parsed.classes["plot-title"]?.first?.isEmpty == false, "\(id) has no title")
            #expect(parsed.classes["x-label"]?.first?.isEmpty == false, "\(id) has no x axis label")
            #expect(parsed.classes["y-label"]?.first?.isEmpty == false, "\(id) has no y axis label")
            #expect((parsed.classes["y-tick"]?.count ?? 0) >= 2, "\(id) has no y ticks")
            #expect((parsed.classes["x-tick"]?.count ?? 0) >= 1, "\(id) has no x ticks")
            #expect(svg.contains("class=\"axis x-axis\"") && svg.contains("class=\"axis y-axis\""), "\(id) has no axes")
            #expect(svg.contains("class=\"bar\"") || svg.contains("class=\"series\""), "\(id) has no data marks")
        }
    }

    @Test("the report shows the demo's break-glass access, quarantine, conflict and latency",
          .enabled(if: BuiltBinary.careledger != nil))
    func reportHoldsTheStorysEvents() throws {
        let run = try demo()
        let json = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: run.reportDirectory + "/report.json"))) as? [String: Any])
        let access = try #require(json["access"] as? [String: Any])
        let breakGlass = try #require(access["break_glass"] as? [[String: Any]])
        #expect(breakGlass.count == 1)
        #expect(breakGlass.first?["site"] as? String == "clinic-b")
        #expect(breakGlass.first?["purpose"] as? String == "ETREAT")
        let integrity = try #require(json["integrity"] as? [String: Any])
        let quarantined = try #require(integrity["quarantined"] as? [[String: Any]])
        #expect(!quarantined.isEmpty && quarantined.allSatisfy { $0["reason"] as? String == "unknown_author" })
        #expect(((integrity["verify_runs"] as? [Any])?.count ?? 0) >= 1)
        let conflicts = try #require(json["conflicts"] as? [String: Any])
        #expect(conflicts["opened"] as? Int == 1 && conflicts["resolved"] as? Int == 1)
        let latency = try #require(json["latency"] as? [[String: Any]])
        #expect(Set(latency.compactMap { $0["site"] as? String }) == ["clinic-a", "clinic-b", "field-team"])
        #expect(ReportPage.section("access", in: run.html)?.contains("clinic-b") == true)
        #expect(ReportPage.externalReferences(run.html) == [])
    }

    @Test("headless Chromium screenshots the demo's report to a full-page PNG",
          .enabled(if: BuiltBinary.careledger != nil && ReportTests.onPath("chromium", "chromium-browser") != nil))
    func chromiumScreenshotsTheDemoReport() throws {
        let run = try demo()
        let script = BuiltBinary.repositoryRoot + "/Tests/Tools/screenshot_report.sh"
        let png = run.folder + "/report-screenshot.png"
        try ReportCLI.runProgram("/bin/sh", [script, run.reportDirectory, png], what: "screenshot_report.sh")
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: png)))
        try #require(bytes.count > 24, "the screenshot is empty")
        #expect(bytes.starts(with: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), "not a PNG")
        // IHDR: width and height, big-endian, at offsets 16 and 20.
        let be32 = { (at: Int) in bytes[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
        #expect(be32(16) == 1100 && be32(20) == 4200)
        #expect(bytes.count > 50_000, "a page with five plots compresses to more than a blank page")
    }
}
