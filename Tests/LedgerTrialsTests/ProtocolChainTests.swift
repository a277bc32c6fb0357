import LedgerCore
import LedgerTrials
import Testing

@Suite("Protocol versions")
struct ProtocolChainTests {
    static let jan: Int64 = 1_767_225_600_000  // 2026-01-01
    static let jun: Int64 = 1_780_272_000_000  // 2026-06-01

    static func version(_ label: String, effective: Int64, sha: Character = "a", reconsent: Bool = false, entry: String) -> RecordedProtocolVersion {
        RecordedProtocolVersion(
            entryId: Hash32.sha256(Array(entry.utf8)), author: .zero, time: HybridTimestamp(wallMillis: 0, counter: 0),
            payload: ProtocolVersionPayload(trial: "T1", version: label, sha256: String(repeating: sha, count: 64), size: 10,
                                            effective: effective, reconsent: reconsent))
    }

    @Test("the version in force on a date is the last one effective by then, in any arrival order")
    func inForce() {
        let v1 = Self.version("v1", effective: Self.jan, entry: "1"), v2 = Self.version("v2", effective: Self.jun, sha: "b", reconsent: true, entry: "2")
        for versions in [[v1, v2], [v2, v1]] {
            let chain = ProtocolChain(versions)
            #expect(chain.inForce(trial: "T1", at: Self.jan - 1) == nil)
            #expect(chain.inForce(trial: "T1", at: Self.jan + 5)?.version == "v1")
            #expect(chain.inForce(trial: "T1", at: Self.jun)?.version == "v2")
            #expect(chain.versions(trial: "T1").map(\.version) == ["v1", "v2"])
        }
    }

    @Test("a label added with other content at two sites is a conflict; the same content twice is not")
    func conflicts() {
        let a = Self.version("v2", effective: Self.jun, sha: "b", entry: "site-a")
        let same = Self.version("v2", effective: Self.jun, sha: "b", entry: "site-c")
        let other = Self.version("v2", effective: Self.jun, sha: "c", entry: "site-b")
        #expect(ProtocolChain([a, same]).conflicts().isEmpty)
        let conflicts = ProtocolChain([other, a, same]).conflicts()
        #expect(conflicts.count == 1)
        #expect(conflicts.first?.entries == [min(a.entryId, same.entryId), other.entryId].sorted())
    }

    @Test("a participant consented under v1 needs re-consent once a later version marked re-consent is in force (vector)")
    func reconsent() {
        let chain = ProtocolChain([Self.version("v1", effective: Self.jan, entry: "1"),
                                   Self.version("v2", effective: Self.jun, sha: "b", reconsent: true, entry: "2")])
        #expect(chain.reconsentStatus(trial: "T1", consentedUnder: "v1", at: Self.jun - 1) == .current(consentedUnder: "v1"))
        let status = chain.reconsentStatus(trial: "T1", consentedUnder: "v1", at: Self.jun)
        #expect(status.reason == "re-consent needed: consented under protocol v1, v2 (requires re-consent) in force since 2026-06-01")
        #expect(chain.reconsentStatus(trial: "T1", consentedUnder: "v2", at: Self.jun) == .current(consentedUnder: "v2"))
        #expect(chain.reconsentStatus(trial: "T1", consentedUnder: "v9", at: Self.jun) == .unknownVersion(consentedUnder: "v9"))
    }

    @Test("version labels order numerically part by part")
    func labelOrder() {
        #expect(ProtocolVersionOrder.precedes("v2", "v10"))
        #expect(ProtocolVersionOrder.precedes("1.2", "1.10"))
        #expect(!ProtocolVersionOrder.precedes("v10", "v2"))
    }

    @Test("a protocol payload has one byte form: canonical bytes decode, anything else is refused (vector)")
    func payloadVector() throws {
        let payload = ProtocolVersionPayload(trial: "T1", version: "v1", sha256: String(repeating: "a", count: 64), size: 10,
                                             effective: Self.jan, approval: "IRB-1", reconsent: false)
        let bytes = try payload.encoded()
        let expected = #"{"approval":"IRB-1","effective":1767225600000,"format":1,"reconsent":false,"sha256":"\#(String(repeating: "a", count: 64))","size":10,"trial":"T1","version":"v1"}"#
        #expect(String(decoding: bytes, as: UTF8.self) == expected)
        #expect(try ProtocolVersionPayload.decode(bytes) == payload)
        #expect(throws: TrialError.self) { try ProtocolVersionPayload.decode(Array(expected.replacingOccurrences(of: ",", with: ", ").utf8)) }
        #expect(throws: TrialError.self) { try ProtocolVersionPayload.decode(Array(expected.replacingOccurrences(of: "\"T1\"", with: "\"T 1\"").utf8)) }
    }
}
