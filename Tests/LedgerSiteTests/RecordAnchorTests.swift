import LedgerCore
import LedgerSite
import Testing

@Suite("Record anchors through the library")
struct RecordAnchorTests {
    @Test("an anchored record is found by its digest and a changed record is not")
    func anchorThenAttest() throws {
        let sites = try TwoSites()
        let record = Array("{\"resourceType\":\"Observation\",\"id\":\"o1\"}".utf8)
        let entry = try sites.central.anchor(AnchorPayload(record: record, type: "Observation", id: "o1"))
        #expect(entry.kind == AnchorPayload.kind)
        #expect(try sites.central.anchorEntry(sha256: AnchorPayload.digest(record))?.id == entry.id)
        #expect(try sites.central.anchorEntry(sha256: AnchorPayload.digest(record + [0x20])) == nil)
        #expect(AnchorPayload.digest([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }
}
