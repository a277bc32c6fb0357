import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `careledger serve --http 127.0.0.1:0` as a child process, for `careledger-bench http`.
final class HTTPServeProcess {
    let process = Process()
    let port: Int
    var pid: Int32 { process.processIdentifier }

    /// Starts the server and returns once it listens (its first `--json` line names the port).
    init(binary: String, site: String, log: String) throws {
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--dir", site, "--http", "127.0.0.1:0", "--json"]
        let stdout = Pipe()
        process.standardOutput = stdout
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        process.standardError = FileHandle(forWritingAtPath: log)
        try process.run()
        var line = Data()
        while !line.contains(0x0a) {
            let chunk = stdout.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let object = line.split(separator: 0x0a).first.flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
        guard let address = object?["http"] as? String, let port = Int(address.split(separator: ":").last ?? "") else {
            process.terminate()
            throw MeasuredProcess.Failure(description: "serve --http printed no listening line (see \(log))")
        }
        self.port = port
    }

    /// One GET, waited for; throws unless it answers 200.
    func get(_ path: String, token: String) throws {
        guard let url = URL(string: "http://127.0.0.1:\(port)\(path)") else {
            throw MeasuredProcess.Failure(description: "bad path \(path)")
        }
        var request = URLRequest(url: url, timeoutInterval: 600)
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        let box = StatusBox()
        let done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: request) { _, response, _ in
            box.status = (response as? HTTPURLResponse)?.statusCode ?? 0
            done.signal()
        }.resume()
        done.wait()
        guard box.status == 200 else { throw MeasuredProcess.Failure(description: "GET \(path) answered \(box.status)") }
    }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}

/// A status code handed from URLSession's callback to the waiting thread.
final class StatusBox: @unchecked Sendable {  // written once before the semaphore is signalled
    var status = 0
}
