import Foundation
import LedgerPrimitives
import TestSupport
import Testing

struct RFC3339Tests {
    @Test func knownInstantsFormatAsUTCWithMilliseconds() {
        #expect(RFC3339.string(fromMillis: 0) == "1970-01-01T00:00:00.000Z")
        #expect(RFC3339.string(fromMillis: 1_764_000_000_123) == "2025-11-24T16:00:00.123Z")
        #expect(RFC3339.string(fromMillis: 951_782_400_000) == "2000-02-29T00:00:00.000Z")
        #expect(RFC3339.string(fromMillis: -1) == "1969-12-31T23:59:59.999Z")
        #expect(RFC3339.string(fromMillis: RFC3339.minMillis) == "0001-01-01T00:00:00.000Z")
        #expect(RFC3339.string(fromMillis: RFC3339.maxMillis) == "9999-12-31T23:59:59.999Z")
    }

    @Test func instantsOutsideYears1To9999AreClamped() {
        #expect(RFC3339.string(fromMillis: .max) == "9999-12-31T23:59:59.999Z")
        #expect(RFC3339.string(fromMillis: .min) == "0001-01-01T00:00:00.000Z")
    }

    @Test func seededRandomInstantsSurviveAFormatAndParseRoundTrip() {
        var generator = SeededGenerator(seed: 3339)
        for _ in 0..<20_000 {
            let millis = Int64.random(in: RFC3339.minMillis...RFC3339.maxMillis, using: &generator)
            let text = RFC3339.string(fromMillis: millis)
            #expect(RFC3339.millis(from: text) == millis, "seed 3339, millis \(millis), text \(text)")
        }
    }

    @Test func formattingAgreesWithFoundationForSeededRandomInstants() {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        var generator = SeededGenerator(seed: 8601)
        for _ in 0..<2_000 {
            let millis = Int64.random(in: 0...4_102_444_799_999, using: &generator)
            let date = Date(timeIntervalSince1970: Double(millis) / 1000)
            #expect(RFC3339.string(from: date) == formatter.string(from: date), "seed 8601, millis \(millis)")
        }
    }

    @Test func offsetsAndFractionsParseToTheSameInstant() {
        let utc = RFC3339.millis(from: "2026-11-25T09:00:00Z")
        #expect(utc == 1_795_597_200_000)
        #expect(RFC3339.millis(from: "2026-11-25T10:30:00+01:30") == utc)
        #expect(RFC3339.millis(from: "2026-11-25T04:00:00-05:00") == utc)
        #expect(RFC3339.millis(from: "2026-11-25T09:00:00.5Z") == 1_795_597_200_500)
        #expect(RFC3339.millis(from: "2026-11-25T09:00:00.123456789Z") == 1_795_597_200_123)
        #expect(RFC3339.date(from: "2026-11-25T09:00:00Z") == Date(timeIntervalSince1970: 1_795_597_200))
    }

    @Test func malformedTextIsRejected() {
        for text in [
            "", "2026-11-25", "2026-11-25T09:00:00", "2026-11-25 09:00:00Z", "2026-13-01T00:00:00Z",
            "2026-02-29T00:00:00Z", "2026-11-25T24:00:00Z", "2026-11-25T09:60:00Z", "2026-11-25T09:00:60Z",
            "2026-11-25T09:00:00.Z", "2026-11-25T09:00:00.1234567890Z", "2026-11-25T09:00:00+0100",
            "2026-11-25T09:00:00+15:00", "2026-11-25T09:00:00Zjunk", "0000-01-01T00:00:00Z", "２026-11-25T09:00:00Z",
        ] {
            #expect(RFC3339.millis(from: text) == nil, "\(text)")
        }
    }
}
