import ArgumentParser
import Foundation
import LedgerCore
import LedgerSite

/// `careledger api-token`: creates, lists and revokes the bearer tokens of the HTTP API.
struct APITokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api-token", abstract: "Create (--name), list (--list) or revoke (--revoke) bearer tokens for `serve --http`.",
        discussion: "A new token is printed once; the site keeps only its SHA-256 (api-tokens.json, mode 0600). A revoked token is refused from the next request on, also by a running server.")
    @OptionGroup var options: SiteOptions
    @Option(help: "Create a token for this client (letters, digits, '.', '_', '-').") var name: String?
    @Option(help: "Revoke the token of this client.") var revoke: String?
    @Flag(help: "List the clients that hold tokens.") var list = false

    struct Created: Encodable { let name: String, token: String }
    struct Listed: Encodable { let name: String, created: String }

    func run() async throws {
        try await runReportingFailures(json: options.json) {
            guard [name != nil, revoke != nil, list].filter({ $0 }).count == 1 else {
                throw CLIFailure.usage("give exactly one of --name NAME (create), --revoke NAME or --list")
            }
            let layout = SiteLayout(root: options.directory)
            guard FileManager.default.fileExists(atPath: layout.metadata) else {
                throw CLIFailure(kind: .unusableSite, message: "no CareLedger site in \(options.directory)", code: "not_a_site")
            }
            var tokens = try APITokens.load(from: layout)
            let output = CommandOutput(json: options.json)
            if let name {
                let token = try tokens.create(name: name)
                try tokens.save(to: layout)
                try output.emit(Created(name: name, token: token)) {
                    print("Token for \(name) (shown once; send it as `Authorization: Bearer TOKEN`):")
                    print(token)
                }
            } else if let revoke {
                try tokens.revoke(name: revoke)
                try tokens.save(to: layout)
                try output.emit(["revoked": revoke]) { print("Revoked the token of \(revoke)") }
            } else {
                let listed = tokens.holders.map { Listed(name: $0.name, created: $0.created) }
                try output.emit(listed) {
                    if listed.isEmpty { print("No API tokens; create one with `careledger api-token --name NAME`") }
                    for holder in listed { print("\(holder.name)  created \(holder.created)") }
                }
            }
        }
    }
}
