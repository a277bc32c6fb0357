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

    func run() async throws {
        try await runReportingFailures {
            let (host, port) = try TCPSync.parse(listen, allowAnyPort: true)
            let ledger = try openSite(options)
            let siteName = ledger.metadata.name, siteKey = ledger.siteKey
            var logger = Logger(label: "careledger.serve") { _ in StreamLogHandler.standardError(label: "careledger.serve") }
            logger.logLevel = .info
            let server = try await LedgerServing.bind(ledger: ledger, host: host, port: port, idleTimeout: idleTimeout,
                                                      maximumConcurrentSessions: maxSessions, logger: logger)
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
