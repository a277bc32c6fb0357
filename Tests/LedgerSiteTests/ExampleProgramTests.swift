import Foundation
import TestSupport
import Testing

/// The package's root folder (this file is Tests/LedgerSiteTests/ExampleProgramTests.swift).
private let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

/// The built `careledger-example`, beside the built `careledger`.
private let examplePath: String? = CareLedgerBinary.path.map {
    URL(fileURLWithPath: $0).deletingLastPathComponent().appendingPathComponent("careledger-example").path
}.flatMap { FileManager.default.isExecutableFile(atPath: $0) ? $0 : nil }

@Suite("The example program")
struct ExampleProgramTests {
    @Test("the example program founds two sites, carries a bundle and prints a recorded permit",
          .enabled(if: examplePath != nil, "build it first: swift build"))
    func exampleRuns() throws {
        let binary = try #require(examplePath)
        let folder = try TemporaryDirectory(prefix: "careledger-example-test")
        defer { folder.remove() }
        let run = try CareLedgerBinary.run(binary, [], in: folder.path)
        let stdout = String(decoding: run.stdout, as: UTF8.self)
        #expect(run.status == 0, "stderr: \(String(decoding: run.stderr, as: UTF8.self))")
        let lines = stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 2, "\(stdout)")
        #expect(lines.first?.hasPrefix("clinic imported ") == true)
        #expect(lines.first?.hasSuffix(" entries, rejected 0 bundles") == true)
        #expect(lines.last?.hasPrefix("permit: ") == true, "\(stdout)")
        #expect(lines.last?.contains("recorded as entry ") == true, "\(stdout)")
    }

    @Test("the README's library example is main.swift byte for byte")
    func readmeMatchesTheProgram() throws {
        let readme = try String(contentsOfFile: packageRoot + "/README.md", encoding: .utf8)
        let program = try String(contentsOfFile: packageRoot + "/Sources/careledger-example/main.swift", encoding: .utf8)
        let section = try #require(readme.range(of: "## Use it as a library"), "the README has a library section")
        let rest = readme[section.upperBound...]
        let open = try #require(rest.range(of: "```swift\n"))
        let close = try #require(rest[open.upperBound...].range(of: "\n```\n"))
        #expect(String(rest[open.upperBound..<close.lowerBound]) + "\n" == program)
    }
}
