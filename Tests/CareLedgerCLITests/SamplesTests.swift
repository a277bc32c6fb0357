import Foundation
import Testing

/// Runs every `Samples/*.sh` scenario script against the built binary; each checks its own
/// outcome and exits non-zero when it does not hold, which fails the test.
///
/// The scripts take minutes each in a debug build, so they run here only with
/// `CARELEDGER_RUN_SAMPLES=1`; `.ci/run` runs every script directly after the tests.
@Suite struct SamplesTests {
    static let samplesFolder = BuiltBinary.repositoryRoot + "/Samples"

    /// The scenario scripts, by name.
    static var scripts: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: samplesFolder)) ?? []).filter { $0.hasSuffix(".sh") }.sorted()
    }

    /// `bash`, when installed.
    static var bash: String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let folders = path.split(separator: ":").map(String.init) + ["/bin", "/usr/bin"]
        return folders.map { $0 + "/bash" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static var enabled: Bool {
        bash != nil && BuiltBinary.careledger != nil && ProcessInfo.processInfo.environment["CARELEDGER_RUN_SAMPLES"] == "1"
    }

    @Test func theThreeUserScenariosHaveScripts() {
        #expect(Set(Self.scripts).isSuperset(of: ["rural-clinic.sh", "field-team.sh", "central-merge.sh"]))
    }

    @Test("the restored-clinic scenario (issue 14) has a script, which .ci/run runs with the others")
    func theRestoreScenarioHasAScript() {
        #expect(Self.scripts.contains("restored-clinic.sh"))
    }

    @Test(.enabled(if: enabled, "set CARELEDGER_RUN_SAMPLES=1 (and have bash and the built binary)"),
          arguments: scripts)
    func theSampleScriptHoldsItsOutcome(_ script: String) throws {
        let bash = try #require(Self.bash)
        let binary = try #require(BuiltBinary.careledger)
        let run = try BuiltBinary.run(bash, [Self.samplesFolder + "/" + script], in: BuiltBinary.repositoryRoot,
                                      environment: ["CARELEDGER": binary])
        let tail = (run.stdout + run.stderr).split(separator: "\n").suffix(8).joined(separator: "\n")
        #expect(run.status == 0, "\(script) exited \(run.status):\n\(tail)")
        #expect(run.stdout.contains("OK:"), "\(script) did not report its outcome:\n\(tail)")
    }
}
