import ArgumentParser
import Foundation
import LedgerCore
import LedgerNet
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
            let service = try LedgerSyncService(ledger: ledger)
            var logger = Logger(label: "careledger.serve") { _ in StreamLogHandler.standardError(label: "careledger.serve") }
            logger.logLevel = .info
            let configuration = TransportConfiguration(networkID: ledger.networkID, idleTimeout: idleTimeout,
                                                       maximumConcurrentSessions: maxSessions)
            let server = try await SyncServer.bind(
                host: host, port: port, configuration: configuration, staticKey: ledger.agreementKeyForBundles,
                authorizer: { await service.authorize($0) }, logger: logger,
                conversation: { identity in try await service.conversation(role: .responder, peer: identity) })
            logger.info("serving", metadata: ["listen": "\(host):\(server.port)", "site": "\(ledger.metadata.name)"])
            if options.json {
                FileHandle.standardOutput.write(Data("{\"listening\":\"\(host):\(server.port)\",\"site_key\":\"\(ledger.siteKey.hex)\"}\n".utf8))
            } else {
                FileHandle.standardOutput.write(Data("Serving sync for \(ledger.metadata.name) on \(host):\(server.port); Ctrl-C stops\n".utf8))
            }
            try await server.run()
        }
    }
}
