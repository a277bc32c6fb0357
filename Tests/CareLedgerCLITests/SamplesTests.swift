import Foundation
import Testing

/// Runs every `Samples/*.sh` scenario script against the built binary; each checks its own
/// outcome and exits non-zero when it does not hold, which fails the test.
///
/// The scripts take up to a couple of minutes each in a debug build; set
/// `CARELEDGER_SKIP_SAMPLES=1` to leave them out of a quick local run.
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
        bash != nil && BuiltBinary.careledger != nil && ProcessInfo.processInfo.environment["CARELEDGER_SKIP_SAMPLES"] != "1"
    }

    @Test func theThreeUserScenariosHaveScripts() {
        #expect(Set(Self.scripts).isSuperset(of: ["rural-clinic.sh", "field-team.sh", "central-merge.sh"]))
    }

    @Test(.enabled(if: enabled, "bash or the careledger binary is missing, or CARELEDGER_SKIP_SAMPLES=1"),
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
