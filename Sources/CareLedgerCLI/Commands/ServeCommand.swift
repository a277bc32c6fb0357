import ArgumentParser
import Foundation
import LedgerCore
import LedgerNet
import LedgerSite
import Logging

/// `careledger serve --listen HOST:PORT`: serves sync to authenticated members until stopped.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Serve sync to authenticated members over TCP until stopped (log lines on stderr).")
    @OptionGroup var options: SiteOptions
    @Option(help: "Where to listen, HOST:PORT (port 0 picks a free one and prints it).") var listen: String
    @Option(help: "Seconds a peer may stay silent before it is disconnected.") var idleTimeout: Double = 60
    @Option(help: "Most concurrent sessions.") var maxSessions: Int = 256

    // MARK: Connection admission (Specs/sync-transport.md §7.4), validated at parse time
    // `.unconditional` so that `-1` reaches the range check instead of reading as a flag.
    @Option(parsing: .unconditional,
            help: ArgumentHelp("Seconds a connection may take to authenticate before it is closed (0.05-600).",
                               valueName: "seconds"),
            transform: { try ServeCommand.admissionSeconds($0, flag: "--handshake-timeout") })
    var handshakeTimeout: Double = 5
    @Option(parsing: .unconditional,
            help: ArgumentHelp("Most not-yet-authenticated connections; a new one evicts the oldest (1-65536).", valueName: "n"),
            transform: { try ServeCommand.admissionCount($0, flag: "--max-pending") })
    var maxPending: Int = 64
    @Option(parsing: .unconditional,
            help: ArgumentHelp("Most not-yet-authenticated connections from one IP address (1-65536, at most --max-pending).",
                               valueName: "n"),
            transform: { try ServeCommand.admissionCount($0, flag: "--max-pending-per-address") })
    var maxPendingPerAddress: Int = 8

    static func admissionSeconds(_ text: String, flag: String) throws -> Double {
        let range = AdmissionLimits.handshakeTimeoutRange
        guard let value = Double(text), value.isFinite, range.contains(value) else {
            throw ValidationError("\(flag) must be a number of seconds from \(range.lowerBound) to \(range.upperBound), not '\(text)'")
        }
        return value
    }

    static func admissionCount(_ text: String, flag: String) throws -> Int {
        let range = AdmissionLimits.pendingRange
        guard let value = Int(text), range.contains(value) else {
            throw ValidationError("\(flag) must be a whole number from \(range.lowerBound) to \(range.upperBound), not '\(text)'")
        }
        return value
    }

    var admissionLimits: AdmissionLimits {
        AdmissionLimits(handshakeTimeout: handshakeTimeout, maximumPending: maxPending,
                        maximumPendingPerAddress: maxPendingPerAddress)
    }
    // MARK: -

    func run() async throws {
        try await runReportingFailures {
            let (host, port) = try TCPSync.parse(listen, allowAnyPort: true)
            let ledger = try openSite(options)
            let siteName = ledger.metadata.name, siteKey = ledger.siteKey
            var logger = Logger(label: "careledger.serve") { _ in StreamLogHandler.standardError(label: "careledger.serve") }
            logger.logLevel = .info
            let server = try await LedgerServing.bind(ledger: ledger, host: host, port: port, idleTimeout: idleTimeout,
                                                      maximumConcurrentSessions: maxSessions,
                                                      admission: admissionLimits, logger: logger)
            logger.info("serving", metadata: ["listen": "\(host):\(server.port)", "site": "\(siteName)"])
            if options.json {
                FileHandle.standardOutput.write(Data("{\"listening\":\"\(host):\(server.port)\",\"site_key\":\"\(siteKey.hex)\"}\n".utf8))
            } else {
                FileHandle.standardOutput.write(Data("Serving sync for \(siteName) on \(host):\(server.port); Ctrl-C stops\n".utf8))
            }
            try await server.run()
        }
    }
}
