import Foundation
import Testing

/// Runs the built `careledger demo --json` end to end and checks the story it tells.
@Suite struct DemoTests {
    @Test(.enabled(if: BuiltBinary.careledger != nil, "the careledger binary is not built beside the tests"))
    func theDemoRunsEveryStepAndEverySiteReachesTheSameDecision() throws {
        let binary = try #require(BuiltBinary.careledger)
        let folder = FileManager.default.temporaryDirectory.path + "/careledger-demo-test-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let run = try BuiltBinary.run(binary, ["demo", "--dir", folder, "--json"])
        #expect(run.status == 0, "demo exited \(run.status): \(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any],
                                  "demo --json did not print one JSON object: \(run.stdout.prefix(400))")
        #expect(object["ok"] as? Bool == true)
        let steps = try #require(object["steps"] as? [[String: Any]])
        #expect(steps.count == 16)
        for step in steps {
            #expect(step["ok"] as? Bool == true, "step \(step["name"] ?? "?") failed: \(step["lines"] ?? "")")
        }
        let names = Set(steps.compactMap { $0["name"] as? String })
        for expected in ["break_glass", "relay_out", "merge_conflict", "resolve_conflict", "ehr_http", "tcp_sync", "quarantine", "tamper_detected",
                         "decisions_agree", "audit_report"] {
            #expect(names.contains(expected), "no step \(expected)")
        }
        #expect(object["decisions_agree"] as? Bool == true)
        let decisions = try #require(object["decisions"] as? [[String: Any]])
        #expect(decisions.count == 4)
        #expect(Set(decisions.compactMap { $0["decision"] as? String }) == ["deny"])
        let sites = try #require(object["sites"] as? [[String: Any]])
        #expect(Set(sites.compactMap { $0["summary_root"] as? String }).count == 1, "the sites did not converge")
        let figures = try #require(object["figures"] as? [String: Int])
        #expect((figures["tcp_round_trips"] ?? 0) > 0)
        #expect((figures["stick_entries_relayed_to_central"] ?? 0) > 0)
        #expect((figures["tamper_faults_found"] ?? 0) > 0)
        #expect((figures["quarantined_at_central"] ?? 0) > 0)
        #expect(object["report"] as? String == folder + "/report/index.html")
        #expect(FileManager.default.fileExists(atPath: folder + "/report/index.html"))
    }

    @Test(.enabled(if: BuiltBinary.careledger != nil, "the careledger binary is not built beside the tests"))
    func theDemoRefusesAFolderThatIsNotEmpty() throws {
        let binary = try #require(BuiltBinary.careledger)
        let folder = FileManager.default.temporaryDirectory.path + "/careledger-demo-test-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Data("x".utf8).write(to: URL(fileURLWithPath: folder + "/something"))
        let run = try BuiltBinary.run(binary, ["demo", "--dir", folder])
        #expect(run.status == 2)
        #expect(run.stderr.contains("must be a new or empty folder"))
    }
}

/// The built `careledger` binary (beside the test bundle in the build folder) and a way to run things.
enum BuiltBinary {
    /// The repository root, from this file's path.
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    /// `$CARELEDGER`, else `careledger` in the folder that holds the test bundle, else
    /// `.build/debug/careledger`; nil when none is an executable file.
    static var careledger: String? {
        var candidates: [String] = []
        if let env = ProcessInfo.processInfo.environment["CARELEDGER"], !env.isEmpty { candidates.append(env) }
        for bundle in [Bundle.main] + Bundle.allBundles {
            candidates.append(URL(fileURLWithPath: bundle.bundlePath).deletingLastPathComponent().path + "/careledger")
            if let executable = bundle.executablePath {
                candidates.append(URL(fileURLWithPath: executable).deletingLastPathComponent().path + "/careledger")
            }
        }
        candidates.append(repositoryRoot + "/.build/debug/careledger")
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// A program's exit status and output.
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// Runs `executable` with `arguments` in `directory`, with extra environment, to its end.
    static func run(_ executable: String, _ arguments: [String], in directory: String? = nil,
                    environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let outFile = FileManager.default.temporaryDirectory.appendingPathComponent("careledger-out-\(UUID().uuidString)")
        let errFile = FileManager.default.temporaryDirectory.appendingPathComponent("careledger-err-\(UUID().uuidString)")
        try Data().write(to: outFile)
        try Data().write(to: errFile)
        defer {
            try? FileManager.default.removeItem(at: outFile)
            try? FileManager.default.removeItem(at: errFile)
        }
        // Files, not pipes: a chatty child can never block on a full pipe.
        process.standardOutput = try FileHandle(forWritingTo: outFile)
        process.standardError = try FileHandle(forWritingTo: errFile)
        try process.run()
        process.waitUntilExit()
        let out = String(decoding: (try? Data(contentsOf: outFile)) ?? Data(), as: UTF8.self)
        let err = String(decoding: (try? Data(contentsOf: errFile)) ?? Data(), as: UTF8.self)
        return Result(status: process.terminationStatus, stdout: out, stderr: err)
    }
}
