import Foundation
import Testing

/// Exit codes and messages of issue 18, item 6: a busy listen port has its own code (8), a
/// rejected bundle is named on stderr with its code and offset, and a failing `--json`
/// command prints a JSON error object on stdout.
@Suite("Failure exit codes and messages", .serialized)
struct FailureReportingTests {
    @Test("serve on a port already in use exits 8 with one line naming the address and the OS reason")
    func portInUseExitsEight() throws {
        let cli = try CLI()
        defer { cli.remove() }
        try TCPSyncTests.clinic(cli)
        let listener = try TCPSyncTests.RawListener()
        defer { listener.close() }
        let address = "127.0.0.1:\(listener.port)"
        let run = try cli.run(["serve", "--dir", "central", "--listen", address, "--json"])
        #expect(run.status == 8, "\(run)")
        Contract.expectOneErrorLine(run)
        #expect(run.stderr.contains(address) && run.stderr.contains("Address already in use"), "\(run)")
        let error = try #require(try run.json()["error"] as? [String: Any], "\(run)")
        #expect(error["exit"] as? Int == 8 && error["code"] as? String == "listen_failed", "\(run)")
    }

    @Test("sync --peer --json that cannot connect prints the JSON error object on stdout and exits 7")
    func peerSyncFailureWithJSON() throws {
        let cli = try CLI()
        defer { cli.remove() }
        try TCPSyncTests.clinic(cli)
        let refusing = try TCPSyncTests.RawListener(listening: false)
        defer { refusing.close() }  // Holds the port, so no other test can listen on it meanwhile.
        let port = refusing.port
        let run = try cli.run(["sync", "--dir", "clinic-a", "--peer", "127.0.0.1:\(port)", "--timeout", "5", "--json"])
        #expect(run.status == 7, "\(run)")
        Contract.expectOneErrorLine(run)
        let error = try #require(try run.json()["error"] as? [String: Any], "\(run)")
        #expect(error["exit"] as? Int == 7 && error["code"] as? String == "connect_failed", "\(run)")
        #expect((error["message"] as? String)?.contains("127.0.0.1:\(port)") == true, "\(run)")
    }

    @Test("a --json command on a folder without a site prints the error object with exit 3 on stdout")
    func noSiteWithJSON() throws {
        let cli = try CLI()
        defer { cli.remove() }
        let run = try cli.run(["stats", "--dir", "missing", "--json"])
        #expect(run.status == 3, "\(run)")
        let error = try #require(try run.json()["error"] as? [String: Any], "\(run)")
        #expect(error["exit"] as? Int == 3 && (error["message"] as? String)?.contains("missing") == true, "\(run)")
        #expect(error["code"] is String, "\(run)")
    }

    @Test("bundle import names each rejected file, its code and offset on stderr, one line each")
    func rejectionsOnStderr() throws {
        let cli = try CLI()
        defer { cli.remove() }
        try TCPSyncTests.clinic(cli)
        try Data(repeating: 0, count: 4096).write(to: URL(fileURLWithPath: cli.path("zeros.clbundle")))
        try Data("{\"not\":\"a bundle\"}".utf8).write(to: URL(fileURLWithPath: cli.path("json.clbundle")))
        for json in [false, true] {
            let run = try cli.run(["bundle", "import", "--dir", "central", "zeros.clbundle", "json.clbundle"] + (json ? ["--json"] : []))
            #expect(run.status == 1, "\(run)")
            let lines = run.stderr.split(separator: "\n", omittingEmptySubsequences: true)
            #expect(lines.count == 2, "one line per rejected bundle: \(run)")
            for (line, file) in zip(lines, ["zeros.clbundle", "json.clbundle"]) {
                #expect(line.hasPrefix("error: rejected \(file): bundle.magic") && line.contains("offset 0"), "\(run)")
            }
        }
    }
}
