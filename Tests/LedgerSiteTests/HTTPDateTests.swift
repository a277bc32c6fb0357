import Foundation
@testable import LedgerSite
import Testing
import TestSupport

/// `Last-Modified`'s IMF-fixdate (Specs/fhir-api.md §4.2): the hand-made formatter gives
/// `DateFormatter`'s bytes.
@Suite struct HTTPDateTests {
    static func reference(_ millis: Int64) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: Date(timeIntervalSince1970: Double(millis) / 1000))
    }

    @Test("RFC 9110's example and the epoch")
    func examples() {
        #expect(HTTPDate.format(millis: 784_111_777_000) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(HTTPDate.format(millis: 0) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(HTTPDate.format(millis: 1_796_518_800_999) == "Sun, 06 Dec 2026 01:00:00 GMT")
    }

    @Test("10,000 seeded random times from 1970 to 2200 (seed 20261206) equal DateFormatter's")
    func matchesDateFormatter() {
        var generator = SeededGenerator(seed: 20_261_206)
        for _ in 0..<10_000 {
            let millis = Int64.random(in: 0..<7_258_118_400_000, using: &generator)
            #expect(HTTPDate.format(millis: millis) == Self.reference(millis), "millis \(millis), seed 20261206")
        }
    }

}
