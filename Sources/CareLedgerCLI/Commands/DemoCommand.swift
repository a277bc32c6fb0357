import ArgumentParser
import Foundation
import LedgerCore

/// `careledger demo`: the whole story on embedded data, in-process, checking itself.
///
/// A network with a central site, two clinics and a field team; offline work; a consent
/// edited concurrently at two clinics; a USB-stick relay; a merge, a conflict and its
/// resolution; a TCP sync; a break-glass access and an unadmitted laptop's entries held in
/// quarantine; a tampered copy caught by verify; one access decision that every site agrees
/// on; and central's audit report, written to `<dir>/report/index.html`. Exit 0 only when
/// every step's expected outcome held.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the end-to-end story on embedded data: sites, offline work, a stick relay, a conflict, TCP, tampering, the audit report.",
        discussion: "Creates its sites under --dir (which must not exist or be empty; default: a new temporary folder), keeps them, and writes central's audit report to DIR/report/index.html. Exit 1 when an expected outcome does not hold.")

    @Option(help: "Where to create the demo's site folders (must not exist or be empty; default: a new temporary folder).")
    var dir: String?

    @Flag(help: "Print one JSON object summarising the run on stdout and nothing else there.")
    var json = false

    struct SiteRow: Encodable {
        let name: String, role: String, dir: String, entries: Int, bytesOnDisk: Int64, summaryRoot: String
    }
    struct DecisionRow: Encodable { let site: String, decision: String, basis: [String], reason: String }
    struct Output: Encodable {
        let ok: Bool, dir: String, durationMs: Int, steps: [DemoStep], sites: [SiteRow]
        let figures: [String: Int], conflictedPatient: String?, decisions: [DecisionRow], decisionsAgree: Bool
        /// Central's audit report (index.html), or nil when the demo stopped before writing it.
        let report: String?
        let error: String?
    }

    func run() async throws {
        try await runReportingFailures(json: json) {
            let root = try prepareRoot()
            let start = Date()
            let recorder = DemoRecorder(json: json, total: DemoScenario.stepCount)
            recorder.say("CareLedger demo: a network of four sites in \(root)")
            recorder.say("")
            var scenario: DemoScenario?
            var failure: String?
            do {
                scenario = try await DemoScenario.run(root: root, recorder: recorder)
            } catch let abort as DemoAbort {
                failure = "step \(abort.step): \(abort.message)"
            }
            let ok = failure == nil && recorder.allOK && recorder.steps.count == DemoScenario.stepCount
            let output = Output(
                ok: ok, dir: root, durationMs: DemoRecorder.ms(since: start), steps: recorder.steps,
                sites: scenario?.sites.map {
                    SiteRow(name: $0.name, role: $0.role.rawValue, dir: $0.directory, entries: $0.entries,
                            bytesOnDisk: $0.ledger.statistics().bytesOnDisk, summaryRoot: (try? $0.summaryRoot().hex) ?? "")
                } ?? [],
                figures: scenario?.figures ?? [:],
                conflictedPatient: try? scenario?.clinicA.pseudonym(DemoFHIR.conflictedPatient).hex,
                decisions: scenario?.finalDecisions.map {
                    DecisionRow(site: $0.site, decision: $0.decision.outcome.rawValue, basis: $0.decision.basis.map(\.hex),
                                reason: $0.decision.reason)
                } ?? [],
                decisionsAgree: scenario?.decisionsAgree ?? false, report: scenario?.reportPath, error: failure)
            try CommandOutput(json: json).emit(output) {
                print("")
                if ok {
                    print("All \(recorder.steps.count) steps held, in \(output.durationMs) ms.")
                } else {
                    let failed = recorder.steps.filter { !$0.ok }.map(\.name)
                    print("FAILED: \(failed.joined(separator: ", "))\(failure.map { " (\($0))" } ?? "")")
                }
                print("Inspect a site: careledger stats --dir \(root)/central   (or verify, conflicts, log, members list)")
                print("The data:   \(root): one folder per site (central, clinic-a, clinic-b, field-team) and the stick (stick)")
                if let report = output.report {
                    print("The report: \(report) (central's audit report; open it in a browser)")
                } else {
                    print("The report: not written (the demo stopped first); make it with careledger report --dir \(root)/central --out \(root)/report")
                }
            }
            if !ok {
                if !json { printError("error: the demo's expected outcome did not hold\(failure.map { " at \($0)" } ?? ""); its sites are kept in \(root)") }
                throw ExitCode(1)
            }
        }
    }

    /// The demo's folder: `--dir` (created, must be empty) or a new temporary folder.
    private func prepareRoot() throws -> String {
        let files = FileManager.default
        guard let dir else {
            let base = NSTemporaryDirectory() + "careledger-demo-" + UUID().uuidString.prefix(8).lowercased()
            do { try files.createDirectory(atPath: base, withIntermediateDirectories: true) } catch {
                throw CLIFailure.unusableSite("cannot create a temporary folder at \(base)")
            }
            return URL(fileURLWithPath: base).standardizedFileURL.path
        }
        let path = URL(fileURLWithPath: dir).standardizedFileURL.path
        var isDirectory: ObjCBool = false
        if files.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue, ((try? files.contentsOfDirectory(atPath: path)) ?? ["?"]).isEmpty else {
                throw CLIFailure.usage("--dir \(dir) must be a new or empty folder: the demo creates four sites in it")
            }
        } else {
            do { try files.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
                throw CLIFailure.usage("cannot create \(dir)")
            }
        }
        return path
    }
}
