import LedgerCore
import LedgerSite
import TestSupport
import Testing

/// The default origin and cosigner name texts (Specs/static-log.md §4.1, §8.1).
@Suite("Default log origins")
struct LogOriginTests {
    static let network = Hash32.sha256(Array("static-log vector network".utf8))
    static let site = Hash32.sha256([1])

    @Test("an origin and its cosigner name are built, parsed back to the same keys, and print the same text")
    func roundTrip() throws {
        let origin = LogOrigin(network: Self.network, site: Self.site)
        #expect(origin.text == "careledger.invalid/\(Self.network.hex)/\(Self.site.hex)")
        #expect(origin.cosignerName == origin.text + "/witness")
        #expect(LogOrigin(origin.text) == origin)
        #expect(LogOrigin(cosignerName: origin.cosignerName) == origin)
        #expect(LogOrigin(origin.text)?.text == origin.text)
        // Every origin of a small seeded set of keys round-trips.
        var generator = SeededGenerator(seed: 19)
        for _ in 0..<64 {
            let network = try #require(Hash32(bytes: (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }))
            let site = try #require(Hash32(bytes: (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }))
            let made = LogOrigin(network: network, site: site)
            #expect(LogOrigin(made.text) == made && LogOrigin(cosignerName: made.cosignerName) == made)
        }
    }

    @Test("texts that are not exactly a default origin are refused")
    func rejectedTexts() {
        let net = Self.network.hex, site = Self.site.hex
        let rejected = [
            "", "careledger.invalid/", "careledger.invalid/\(net)", "careledger.invalid/\(net)/",
            "careledger.invalid//\(site)", "careledger.invalid/\(net)/\(site)/", "careledger.invalid/\(net)/\(site)/witness",
            "careledger.invalid/\(net)/\(site)/extra", "careledger.invalid/\(net.uppercased())/\(site)",
            "careledger.invalid/\(net)/\(site.dropLast())", "careledger.invalid/\(net)/\(site)0", "careledger.invalid/\(net)/\(site.dropLast())g",
            "CAREledger.invalid/\(net)/\(site)", "https://careledger.invalid/\(net)/\(site)", " careledger.invalid/\(net)/\(site)",
            "logs.example.org/network-7/central",
        ]
        for text in rejected { #expect(LogOrigin(text) == nil, "\(text)") }
        let cosignerRejected = [
            "careledger.invalid/\(net)/\(site)", "careledger.invalid/\(net)/\(site)/witnes", "careledger.invalid/\(net)/\(site)/witness/",
            "careledger.invalid/\(net)/witness", "/witness", "witness.example/w1",
        ]
        for text in cosignerRejected { #expect(LogOrigin(cosignerName: text) == nil, "\(text)") }
    }
}
