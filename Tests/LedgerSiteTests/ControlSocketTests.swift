import Foundation
import LedgerCore
import LedgerSite
import Logging
import TestSupport
import Testing

/// The control socket's messages byte by byte, and a request through a real socket to a
/// ledger's writer queue (Specs/site-layout.md §8.3).
@Suite("The control socket")
struct ControlSocketTests {
    /// The worked example of Specs/site-layout.md §8.3: kind `anchor`, one payload `{}`.
    static let exampleRequest: [UInt8] = [0x01, 0x01, 0x00, 0x06] + Array("anchor".utf8) + [0, 0, 0, 1, 0, 0, 0, 2, 0x7b, 0x7d]

    @Test("a request encodes as the spec's worked example and decodes back")
    func requestVector() throws {
        let request = ControlMessage.AppendRequest(kind: "anchor", payloads: [Array("{}".utf8)])
        #expect(ControlMessage.encode(request) == Self.exampleRequest)
        #expect(ControlMessage.frame(Self.exampleRequest).prefix(4) == [0, 0, 0, 20])
        #expect(try ControlMessage.decodeRequest(Self.exampleRequest) == request)
    }

    @Test("replies round-trip, appended and refused")
    func replies() throws {
        for reply in [ControlMessage.Reply.appended([[1, 2, 3], []]), .appended([]), .refused(code: "damaged", message: "no")] {
            #expect(try ControlMessage.decodeReply(ControlMessage.encode(reply)) == reply)
        }
    }

    @Test("every truncation of a request or reply, and a trailing byte, is refused as malformed")
    func truncationsAreRefused() throws {
        for end in 0..<Self.exampleRequest.count {
            #expect(throws: CoreError.self, "request cut at \(end)") { try ControlMessage.decodeRequest(Array(Self.exampleRequest[..<end])) }
        }
        #expect(throws: CoreError.self) { try ControlMessage.decodeRequest(Self.exampleRequest + [0]) }
        let reply = ControlMessage.encode(.refused(code: "locked", message: "busy"))
        for end in 0..<reply.count {
            #expect(throws: CoreError.self, "reply cut at \(end)") { try ControlMessage.decodeReply(Array(reply[..<end])) }
        }
        var otherVersion = Self.exampleRequest
        otherVersion[0] = 2
        #expect(throws: CoreError.self) { try ControlMessage.decodeRequest(otherVersion) }
    }

    @Test("a client's append is made by the server's ledger, and a refusal keeps its code")
    func appendThroughSocket() async throws {
        let folder = try TemporaryDirectory(prefix: "control")
        defer { folder.remove() }
        let path = folder.path + "/site"
        let ledger = try SiteLedger.foundNetwork(at: path, siteName: "s", networkName: "n")
        let before = ledger.entryCount
        let service = try LedgerSyncService(ledger: ledger)
        let server = try ControlServer.start(for: service, layout: SiteLayout(root: path), logger: Logger(label: "test"))
        defer { server.stop() }
        let attributes = try FileManager.default.attributesOfItem(atPath: path + "/control.sock")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        // The client blocks on the socket, so it runs off the cooperative pool.
        let (entries, refusal) = try await BlockingWork.run { () throws -> ([Entry], CoreError?) in
            let client = try #require(ControlClient.connect(to: SiteLayout(root: path)))
            let entries = try client.appendEntries(kind: "anchor", payloads: [Array("{\"n\":1}".utf8), Array("{\"n\":2}".utf8)])
            do {
                _ = try client.appendEntries(kind: "bad kind \u{1}", payloads: [[0x7b, 0x7d]])
                return (entries, nil)
            } catch let error as CoreError {
                return (entries, error)
            }
        }
        #expect(entries.count == 2 && entries[1].links == [entries[0].id])
        let after = try await service.withLedger { ledger, set in (ledger.entryCount, set.contains(entries[1].id)) }
        #expect(after.0 == before + 2 && after.1, "stored, and in the set sync reconciles")
        let error = try #require(refusal, "an invalid kind was appended")
        #expect(error.code != .io, "the server's refusal, not a broken connection: \(error)")
        server.stop()
        #expect(ControlClient.connect(to: SiteLayout(root: path)) == nil, "no server after stop")
    }
}
