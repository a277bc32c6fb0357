import CanonicalJSON
@testable import CareLedgerCLI
import LedgerCore
import TestSupport
import Testing

/// `log --json` writes each row's bytes directly (for speed); they must be the canonical
/// encoding of the row the contract defines.
@Suite("log rows")
struct LogRowTests {
    @Test("a --json row written directly is byte for byte the canonical encoding of the contract's row")
    func directRowsAreCanonical() throws {
        let folder = try TemporaryDirectory(prefix: "careledger-log-rows")
        let ledger = try SiteLedger.foundNetwork(at: folder.path + "/site", siteName: "central \"hq\"\\", networkName: "test")
        let payloads: [[UInt8]] = [
            Array(#"{"b":1,"a":"tab\there","quote":"\"","nested":{"z":[1,2.5,null,true]},"ctl":"\u0001"}"#.utf8),
            Array("not json at all".utf8),
            Array(#"{"é":"ünïcode ✓"}"#.utf8),
        ]
        var entries = try ledger.append(kind: "clinical.note", payloads: payloads)
        entries += try ledger.append(kind: "anchor", payloads: [Array(#"{"id":"x"}"#.utf8)])
        for (index, entry) in entries.enumerated() {
            for siteName in [String?.none, ledger.metadata.name] {
                let printer = LogCommand.RowPrinter(json: true)
                printer.print(entry, siteName: siteName)
                let row = LogCommand.Row(
                    id: entry.id.hex, site: entry.author.hex, siteName: siteName, kind: entry.kind, sequence: entry.sequence,
                    time: RFC3339.string(from: entry.timestamp), payload: LogCommand.payloadValue(entry.payload))
                let expected = Array(#"{"entries":["#.utf8) + JSONWriter.canonical(row.json)
                #expect(printer.buffer == expected, "entry \(index), site name \(siteName ?? "none")")
            }
        }
    }
}
