import Foundation
import LedgerConsent
import TestSupport
import Testing

/// The FHIR half of the bad-input catalogue: hostile files given to `careledger consent
/// import` on a real site. Each is refused by the importer with its own `ConsentError` code,
/// by the binary with exit 2 and a one-line message, and leaves the data folder byte-identical.
///
/// `Tests/LedgerConsentTests/FHIRMalformedTests.swift` covers element-level mistakes with
/// their JSON paths; these are attacks on the parser and on atomicity.
@Suite("FHIR bad-input catalogue (importer and real binary)")
struct FHIRCatalogueTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let code: ConsentError.Code
        let bytes: @Sendable () -> [UInt8]
        var testDescription: String { name }
    }

    static let sample: [UInt8] = Array((FileManager.default.contents(atPath: Repository.root.appendingPathComponent("Samples/fhir/permit-with-nested-deny.json").path) ?? Data()))

    static func replacing(_ old: String, _ new: String) -> @Sendable () -> [UInt8] {
        { Array(String(decoding: sample, as: UTF8.self).replacingOccurrences(of: old, with: new).utf8) }
    }

    static let cases: [Case] = [
        Case(name: "an empty file", code: .malformedJSON) { [] },
        Case(name: "100,000 nested arrays (a stack-exhaustion attempt)", code: .malformedJSON) {
            Array(repeating: UInt8(ascii: "["), count: 100_000) + Array(repeating: UInt8(ascii: "]"), count: 100_000)
        },
        Case(name: "100,000 nested objects inside a Consent", code: .malformedJSON) {
            Array("{\"resourceType\":\"Consent\",\"x\":".utf8) + Array(repeating: "{\"a\":", count: 100_000).flatMap { Array($0.utf8) }
                + Array(repeating: UInt8(ascii: "}"), count: 100_001)
        },
        Case(name: "invalid UTF-8 inside a string", code: .malformedJSON) {
            var b = sample
            if let i = b.firstIndex(of: UInt8(ascii: "C")) { b[i] = 0xC3; b.insert(0x28, at: i + 1) }
            return b
        },
        Case(name: "a raw control character inside a string", code: .malformedJSON, bytes: replacing("clinic-b", "clinic\u{01}b")),
        Case(name: "a lone UTF-16 surrogate escape", code: .malformedJSON, bytes: replacing("clinic-b\"", "clinic-b\\ud800\"")),
        Case(name: "an overflowing number where the status belongs", code: .invalidValue, bytes: replacing("\"status\": \"active\"", "\"status\": 1e99999999999")),
        Case(name: "JSON null", code: .missingElement) { Array("null".utf8) },
        Case(name: "a top-level array of Consents", code: .missingElement) { Array("[".utf8) + sample + Array("]".utf8) },
        Case(name: "a Bundle whose second Consent is malformed (nothing half-imported)", code: .invalidValue) {
            let good = String(decoding: sample, as: UTF8.self)
            let bad = good.replacingOccurrences(of: "\"privacy-clinic-b\"", with: "\"second\"").replacingOccurrences(of: "\"status\": \"active\"", with: "\"status\": \"approved\"")
            return Array("{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":[{\"resource\":\(good)},{\"resource\":\(bad)}]}".utf8)
        },
        Case(name: "a resourceType smuggled in twice", code: .malformedJSON, bytes: replacing("\"resourceType\": \"Consent\",", "\"resourceType\": \"Consent\", \"resourceType\": \"Consent\",")),
        Case(name: "trailing garbage after the resource", code: .malformedJSON) { sample + Array(" {}".utf8) },
    ]

    @Test("a hostile FHIR file is refused with its own code, exit 2, and the data folder byte-identical", arguments: cases)
    func refused(_ c: Case) throws {
        let bytes = c.bytes()
        let importer = FHIRConsentImporter(pseudonymKey: try PseudonymKey(bytes: Array(repeating: 9, count: 32)))
        #expect(throws: ConsentError.self) { _ = try importer.read(bytes) { _ in [] } }
        do {
            _ = try importer.read(bytes) { _ in [] }
        } catch {
            #expect(error.code == c.code, "\(c.name): \(error)")
        }
        let fixture = try SyncFixture.get()
        let cli = try fixture.copy()
        try Data(bytes).write(to: URL(fileURLWithPath: cli.folder + "/hostile.json"))
        let before = FolderSnapshot(cli.folder + "/hq")
        let run = try cli.run(["consent", "import", "--dir", "hq", "hostile.json"])
        #expect(run.status == 2, "\(run)")
        #expect(run.stderr.split(separator: "\n").count == 1 && !run.stderr.contains("sample-mrn"), "one line, no patient data: \(run)")
        #expect(FolderSnapshot(cli.folder + "/hq").differences(from: before).isEmpty)
    }

    @Test("the unmodified sample imports, so each refusal above is about its one change")
    func sampleImports() throws {
        let importer = FHIRConsentImporter(pseudonymKey: try PseudonymKey(bytes: Array(repeating: 9, count: 32)))
        #expect(try importer.read(Self.sample) { _ in [] }.count == 1)
    }
}
