import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs `careledger` commands in one folder for `sync-memory`: founding the two sites.
struct BinaryRunner {
    let binary: String
    let folder: String

    /// A central site with `entries` audit notes, and an empty clinic admitted by it.
    func found(entries: Int) throws {
        _ = try run(["network", "create", "--dir", path("central"), "--site", "central", "--name", "Bench"])
        _ = try run(["network", "genesis", "--dir", path("central"), "--out", path("genesis.json")])
        _ = try run(["init", "--dir", path("clinic"), "--site", "clinic", "--genesis", path("genesis.json")])
        let identity = try json(["identity", "--dir", path("clinic"), "--json"])
        guard let key = identity["site_key"] as? String, let agreement = identity["agreement_key"] as? String else {
            throw ValidationError("`careledger identity --json` named no keys")
        }
        _ = try run(["members", "admit", "--dir", path("central"), "--key", key, "--agreement-key", agreement,
                     "--name", "clinic", "--role", "clinic"])
        let lines = path("entries.jsonl")
        guard FileManager.default.createFile(atPath: lines, contents: nil),
              let file = FileHandle(forWritingAtPath: lines) else { throw ValidationError("cannot write \(lines)") }
        var start = 0
        while start < entries {
            let end = min(entries, start + 10_000)
            let chunk = (start..<end).map { "{\"note\":\"visit summary \($0)\",\"n\":\($0),\"ward\":\"w\($0 % 17)\"}\n" }
            file.write(Data(chunk.joined().utf8))
            start = end
        }
        try file.close()
        _ = try run(["append", "--dir", path("central"), "--kind", "audit.note", "--jsonl", lines])
        try FileManager.default.removeItem(atPath: lines)
    }

    /// The entries a site holds (`stats --json`).
    func entryCount(site: String) throws -> Int {
        let stats = try json(["stats", "--dir", path(site), "--json"])
        return (stats["entries"] as? Int) ?? -1
    }

    /// `name` inside the folder.
    func path(_ name: String) -> String { folder + "/" + name }

    /// Runs a command to its end; its stdout.
    /// - Throws: when it exits non-zero.
    func run(_ arguments: [String]) throws -> String {
        let result = try MeasuredChild.run(binary, arguments, in: folder, stderrPath: folder + "/setup.log")
        guard result.status == 0 else {
            throw ValidationError("careledger \(arguments.prefix(2).joined(separator: " ")) failed (exit \(result.status)): \(result.output)")
        }
        return result.output
    }

    func json(_ arguments: [String]) throws -> [String: Any] {
        let output = try run(arguments)
        guard let line = output.split(separator: "\n").last,
              let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw ValidationError("careledger \(arguments.prefix(2).joined(separator: " ")) printed no JSON object")
        }
        return object
    }
}

/// `careledger serve` on one site, listening on 127.0.0.1 at a free port.
final class ServeChild {
    let port: Int
    private let process = Process()
    private let logPath: String

    init(binary: String, folder: String, site: String) throws {
        logPath = folder + "/server.log"
        guard FileManager.default.createFile(atPath: logPath, contents: nil),
              let log = FileHandle(forWritingAtPath: logPath) else { throw ValidationError("cannot create \(logPath)") }
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--dir", site, "--listen", "127.0.0.1:0", "--json", "--idle-timeout", "600"]
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = log
        try process.run()
        try? log.close()
        // serve --json prints {"listening":"HOST:PORT",…} once it listens.
        var line = Data()
        while !line.contains(0x0a) {
            let chunk = stdout.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        guard let first = line.split(separator: 0x0a).first,
              let object = try? JSONSerialization.jsonObject(with: Data(first)) as? [String: Any],
              let listening = object["listening"] as? String,
              let port = listening.split(separator: ":").last.flatMap({ Int($0) }) else {
            process.terminate()
            throw ValidationError("careledger serve did not say where it listens\(SyncMemoryBenchmark.tail(logPath))")
        }
        self.port = port
    }

    /// A /proc/PID/status field of the server, in MB (0 when unreadable).
    func megabytes(_ field: String) -> Double {
        MeasuredChild.statusMegabytes(pid: process.processIdentifier, field: field) ?? 0
    }

    /// Waits until the server has logged the end of a session (its one line per session, §9).
    func waitForSessionLine(timeout: Double) throws {
        let deadline = ContinuousClock.now + .seconds(timeout)
        while ContinuousClock.now < deadline {
            if let text = try? String(contentsOfFile: logPath, encoding: .utf8), text.contains("sync session") { return }
            usleep(50_000)
        }
        throw ValidationError("the server logged no session within \(Int(timeout)) s\(SyncMemoryBenchmark.tail(logPath))")
    }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}
