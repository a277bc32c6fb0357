import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Debian's nginx serving a folder on a free loopback port, for `careledger-bench mirror`:
/// the same configuration `Tests/Tools/tlog-nginx.sh` starts in CI (this user, gzip on, the
/// checkpoint uncached, tiles immutable), with an access log of each request's path, status
/// and body bytes sent.
final class NginxProcess {
    /// Where Debian installs it.
    static let candidates = ["/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx"]
    /// The binary, nil when nginx is not installed.
    static var binary: String? { candidates.first(where: FileManager.default.isExecutableFile(atPath:)) }

    let port: Int
    let accessLog: String
    private let pidFile: String

    /// Starts nginx serving `root` (URLs are paths under it) with its files in `scratch`, and
    /// returns once the port accepts connections.
    init(binary: String, root: String, scratch: String) throws {
        try FileManager.default.createDirectory(atPath: scratch + "/logs", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: scratch + "/tmp", withIntermediateDirectories: true)
        port = try Self.freePort()
        accessLog = scratch + "/logs/access.log"
        pidFile = scratch + "/nginx.pid"
        // As root, nginx's workers would run as nobody and could not read the scratch folder.
        let user = getuid() == 0 ? "user root root;" : ""
        let configuration = """
            \(user)
            worker_processes 1;
            pid \(pidFile);
            error_log \(scratch)/logs/error.log warn;
            events { worker_connections 256; }
            http {
              log_format bench '$uri $status $body_bytes_sent';
              access_log \(accessLog) bench;
              client_body_temp_path \(scratch)/tmp/body;
              proxy_temp_path \(scratch)/tmp/proxy;
              fastcgi_temp_path \(scratch)/tmp/fastcgi;
              uwsgi_temp_path \(scratch)/tmp/uwsgi;
              scgi_temp_path \(scratch)/tmp/scgi;
              default_type application/octet-stream;
              gzip on;
              gzip_types application/octet-stream;
              server {
                listen 127.0.0.1:\(port);
                root \(root);
                location ~ /checkpoint$ { default_type "text/plain; charset=utf-8"; add_header Cache-Control "no-cache"; }
                location ~ /tile/ { add_header Cache-Control "max-age=31536000, immutable"; }
              }
            }
            """
        try Data(configuration.utf8).write(to: URL(fileURLWithPath: scratch + "/nginx.conf"))
        _ = try MeasuredProcess.runChecked(binary, ["-c", scratch + "/nginx.conf", "-p", scratch, "-e", scratch + "/logs/error.log"],
                                           scratch: scratch)
        for _ in 0..<200 where !Self.accepts(port) { usleep(20_000) }
        guard Self.accepts(port) else { throw MeasuredProcess.Failure(description: "nginx did not listen on \(port) (see \(scratch)/logs)") }
    }

    /// The master's pid and its workers'.
    var pids: [Int32] {
        guard let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
              let master = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) else { return [] }
        return [master] + ProcessCPU.children(of: master)
    }

    /// Body bytes sent for the requests logged from line `from` on, and how many requests.
    func bytesSent(fromLine from: Int) -> (bytes: Int, requests: Int) {
        let lines = ((try? String(contentsOfFile: accessLog, encoding: .utf8)) ?? "").split(separator: "\n")
        var bytes = 0
        for line in lines.dropFirst(from) { bytes += Int(line.split(separator: " ").last ?? "") ?? 0 }
        return (bytes, max(0, lines.count - from))
    }

    /// Lines in the access log so far.
    var loggedRequests: Int {
        ((try? String(contentsOfFile: accessLog, encoding: .utf8)) ?? "").split(separator: "\n").count
    }

    func stop() {
        guard let master = pids.first else { return }
        kill(master, SIGTERM)
        for _ in 0..<100 where kill(master, 0) == 0 { usleep(20_000) }
    }

    private static func freePort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw MeasuredProcess.Failure(description: "no socket for a free port") }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
        }
        guard bound else { throw MeasuredProcess.Failure(description: "cannot bind a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private static func accepts(_ port: Int) -> Bool {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return false }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}

/// CPU seconds a process has used so far, from `/proc/<pid>/stat` (user + system).
enum ProcessCPU {
    static func seconds(_ pid: Int32) -> Double {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return 0 }
        // Fields after "(comm)": state is field 3; utime and stime are fields 14 and 15.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// The pids whose parent is `parent`.
    static func children(of parent: Int32) -> [Int32] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return names.compactMap(Int32.init).filter { pid in
            guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = text.lastIndex(of: ")") else { return false }
            let fields = text[text.index(after: close)...].split(separator: " ")
            return fields.count > 1 && Int32(fields[1]) == parent
        }
    }
}
