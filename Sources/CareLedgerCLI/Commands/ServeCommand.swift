import ArgumentParser
import Foundation
import LedgerCore
import LedgerHTTP
import LedgerNet
import LedgerSite
import Logging

/// `careledger serve [--listen HOST:PORT] [--http HOST:PORT [--tls-cert FILE --tls-key FILE]]`: serves sync to authenticated
/// members and/or the FHIR / CDS Hooks API to EHRs until stopped.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Serve sync to members over TCP and/or the FHIR API over HTTP until stopped (log lines on stderr).",
        discussion: "Give --listen, --http or both. Exit 8 when an address cannot be bound (the port is in use, not permitted, or the host is not this machine's); exit 3 when the site cannot be used.")
    @OptionGroup var options: SiteOptions
    @Option(help: "Where to serve sync, HOST:PORT (port 0 picks a free one and prints it).") var listen: String?
    @Option(help: "Where to serve the FHIR R4 / CDS Hooks API over HTTP, HOST:PORT (e.g. 127.0.0.1:8080; Specs/fhir-api.md).")
    var http: String?
    @Option(name: .customLong("tls-cert"), help: "With --http: serve HTTPS with this PEM certificate chain (the server's certificate first).")
    var tlsCert: String?
    @Option(name: .customLong("tls-key"), help: "With --tls-cert: its PEM private key; the file must be mode 0600 (owner only).")
    var tlsKey: String?
    @Option(help: "A folder `careledger publish` writes: served read-only under /tlog/ with --http (Specs/static-log.md §6).")
    var tlog: String?
    // Numeric options are range-checked at parse time (Support/NumericOption.swift).
    @Option(parsing: .unconditional,
            help: NumericOptions.timeout.help("Seconds a peer may stay silent before it is disconnected.", default: "60"),
            transform: NumericOptions.timeout.parse) var idleTimeout: Double = 60
    @Option(parsing: .unconditional, help: NumericOptions.sessions.help("Most concurrent sessions.", default: "256"),
            transform: NumericOptions.sessions.parse) var maxSessions: Int = 256

    // MARK: Connection admission (Specs/sync-transport.md §7.4), range-checked at parse time
    @Option(parsing: .unconditional,
            help: NumericOptions.handshakeTimeout.help("Seconds a connection may take to authenticate before it is closed.", default: "5"),
            transform: NumericOptions.handshakeTimeout.parse) var handshakeTimeout: Double = 5
    @Option(parsing: .unconditional,
            help: NumericOptions.pending.help("Most not-yet-authenticated connections; a new one evicts the oldest.", default: "64"),
            transform: NumericOptions.pending.parse) var maxPending: Int = 64
    @Option(parsing: .unconditional,
            help: NumericOptions.pending.help("Most not-yet-authenticated connections from one IP address (at most --max-pending).", default: "8"),
            transform: NumericOptions.pending.parse) var maxPendingPerAddress: Int = 8

    var admissionLimits: AdmissionLimits {
        AdmissionLimits(handshakeTimeout: handshakeTimeout, maximumPending: maxPending,
                        maximumPendingPerAddress: maxPendingPerAddress)
    }
    // MARK: -

    func run() async throws {
        try await runReportingFailures(json: options.json) {
            guard listen != nil || http != nil else {
                throw CLIFailure.usage("give --listen HOST:PORT (sync), --http HOST:PORT (the FHIR API), or both")
            }
            let syncAddress = try listen.map { try TCPSync.parse($0, allowAnyPort: true) }
            let httpAddress = try http.map { try TCPSync.parse($0, allowAnyPort: true) }
            guard (tlsCert == nil) == (tlsKey == nil) else { throw CLIFailure.usage("give --tls-cert and --tls-key together") }
            guard tlsCert == nil || http != nil else { throw CLIFailure.usage("--tls-cert and --tls-key serve the FHIR API over HTTPS; give --http too") }
            if tlog != nil && http == nil { throw CLIFailure.usage("--tlog DIR is served by --http HOST:PORT; give both") }
            let tls = try tlsCert.map { try HTTPTLSIdentity.load(certificate: $0, key: tlsKey ?? "") }
            // The API's tasks run on the event loops, not the cooperative pool (Specs/fhir-api.md §5.2).
            if http != nil { EventLoopTasks.install() }
            let ledger = try openSite(options, access: .exclusive)
            let siteName = ledger.metadata.name, siteKey = ledger.siteKey
            var logger = Logger(label: "careledger.serve") { _ in StreamLogHandler.standardError(label: "careledger.serve") }
            logger.logLevel = .info
            let layout = ledger.layout
            let service = try LedgerSyncService(ledger: ledger)
            var server: SyncServer?
            if let (host, port) = syncAddress {
                do {
                    server = try await LedgerServing.bind(ledger: ledger, host: host, port: port, idleTimeout: idleTimeout,
                                                          maximumConcurrentSessions: maxSessions,
                                                          admission: admissionLimits, logger: logger, service: service)
                } catch let error as TransportError where error.code == .connectFailed {
                    throw Self.listenFailure(error, address: listen ?? "")
                }
            }
            // Other commands write through the server while it holds the site (Specs/site-layout.md §8.3).
            let control: ControlServer?
            do {
                control = try ControlServer.start(for: service, layout: layout, logger: logger)
            } catch {
                logger.warning("no control socket: other commands cannot write while serve runs", metadata: ["error": "\(error)"])
                control = nil
            }
            defer { control?.stop() }
            // The API's access lines, batched (Specs/fhir-api.md §5); written out before a signal ends serve.
            let accessLog = httpAddress == nil ? nil : AccessLog.standardError(label: logger.label)
            defer { accessLog?.flush() }
            let signals = control != nil || accessLog != nil ? Self.onStopSignals(control: control, accessLog: accessLog) : []
            let api = SiteAPI(service: service, layout: layout, siteName: siteName)
            let json = options.json
            let serverLogger = logger
            try await withThrowingTaskGroup(of: Void.self) { group in
                if let server, let (host, _) = syncAddress {
                    logger.info("serving", metadata: ["listen": "\(host):\(server.port)", "site": "\(siteName)"])
                    Self.announce(json ? "{\"listening\":\"\(host):\(server.port)\",\"site_key\":\"\(siteKey.hex)\"}"
                                       : "Serving sync for \(siteName) on \(host):\(server.port); Ctrl-C stops")
                    group.addTask { try await server.run() }
                }
                if let (host, port) = httpAddress {
                    let address = http ?? ""
                    group.addTask {
                        do {
                            try await HTTPAPIServer.run(api: api, host: host, port: port, tls: tls, logger: serverLogger,
                                                        staticLog: tlog.map { StaticLogFiles(directory: $0) },
                                                        accessLog: accessLog) { bound in
                                let scheme = tls == nil ? "http" : "https"
                                Self.announce(json ? "{\"http\":\"\(host):\(bound)\",\"site_key\":\"\(siteKey.hex)\",\"tls\":\(tls != nil)}"
                                                   : "Serving the FHIR API for \(siteName) on \(scheme)://\(host):\(bound)/fhir; Ctrl-C stops")
                            }
                        } catch let error as CLIFailure {
                            throw error
                        } catch {
                            // With TLS, BoringSSL refuses a key that is not the certificate's here, at start.
                            throw CLIFailure(kind: .listenFailed, message: "cannot serve \(tls == nil ? "HTTP" : "HTTPS") on \(address): \(error)",
                                             code: "listen_failed")
                        }
                    }
                }
                // The first server to stop (or fail) stops the other.
                try await group.next()
                group.cancelAll()
            }
            withExtendedLifetime(signals) {}
        }
    }

    /// One line on stdout for scripts waiting for the server.
    static func announce(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// Ctrl-C and SIGTERM remove the control socket and write out the access log's waiting lines,
    /// then end the process as the signal would have (exit 128 + signal): a stopped server leaves
    /// no socket behind (Specs/site-layout.md §8.3) and loses no access line (Specs/fhir-api.md §5).
    static func onStopSignals(control: ControlServer?, accessLog: AccessLog?) -> [any DispatchSourceSignal] {
        [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                control?.stop()
                accessLog?.flush()
                Foundation.exit(128 + number)
            }
            source.resume()
            return source
        }
    }

    /// Exit 8 with the address and the OS reason (e.g. "Address already in use"): a busy port
    /// is not a usage error, and scripts restarting a server need to tell it apart.
    static func listenFailure(_ error: TransportError, address: String) -> CLIFailure {
        let reason = error.underlying.map { String(describing: $0) } ?? error.message
        return CLIFailure(kind: .listenFailed, message: "cannot listen on \(address): \(reason)", code: "listen_failed")
    }
}
