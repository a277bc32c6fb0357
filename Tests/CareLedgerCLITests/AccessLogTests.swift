import Foundation
import LedgerHTTP
import Synchronization
import Testing

/// The HTTP API's batched access log (Specs/fhir-api.md §5): swift-log's `StreamLogHandler`
/// line, byte for byte, every line once and in order.
@Suite struct AccessLogTests {
    /// Collects what the log writes.
    final class Sink: Sendable {
        let writes = Mutex<[[UInt8]]>([])
        var text: String { writes.withLock { String(decoding: $0.joined(), as: UTF8.self) } }
        var count: Int { writes.withLock { $0.count } }
    }

    /// `StreamLogHandler`'s time for `seconds`, formatted by Foundation rather than `strftime`.
    static func stamp(_ seconds: time_t) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone.current
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ssZ"
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    @Test("a flushed line is StreamLogHandler's: local time, level, label, sorted metadata, source, message")
    func lineFormat() {
        let sink = Sink(), clock = Mutex<time_t>(1_796_518_800)  // 2026-12-06T01:00:00Z
        let log = AccessLog(label: "careledger.serve", clock: { clock.withLock { $0 } }) { bytes in sink.writes.withLock { $0.append(bytes) } }
        log.record(method: "POST", path: "/cds-services/patient-consent-consult", status: 200, client: "ehr-1")
        clock.withLock { $0 += 1 }
        log.record(method: "GET", path: "/fhir/metadata", status: 404, client: "-")
        log.flush()
        #expect(sink.text == """
            \(Self.stamp(1_796_518_800)) info careledger.serve: client=ehr-1 method=POST path=/cds-services/patient-consent-consult status=200 [LedgerHTTP] http request
            \(Self.stamp(1_796_518_801)) info careledger.serve: client=- method=GET path=/fhir/metadata status=404 [LedgerHTTP] http request

            """)
        #expect(sink.count == 1)  // both lines in one write
        log.flush()
        #expect(sink.count == 1)  // nothing waiting: nothing written
    }

    @Test("lines recorded from many threads each reach the sink once, whole, and each thread's in its order", .timeLimit(.minutes(1)))
    func concurrentLines() async {
        let sink = Sink()
        let log = AccessLog(label: "x", clock: { 0 }) { bytes in sink.writes.withLock { $0.append(bytes) } }
        await withTaskGroup(of: Void.self) { group in
            for thread in 0..<8 {
                group.addTask {
                    for line in 0..<2_000 { log.record(method: "GET", path: "/t\(thread)/\(line)", status: 200, client: "c") }
                }
            }
        }
        log.flush()
        let lines = sink.text.split(separator: "\n")
        #expect(lines.count == 16_000)
        for thread in 0..<8 {
            let paths = lines.compactMap { line -> Int? in
                guard let path = line.split(separator: " ").first(where: { $0.hasPrefix("path=/t\(thread)/") }) else { return nil }
                return Int(path.split(separator: "/").last ?? "")
            }
            #expect(paths == Array(0..<2_000))
        }
        #expect(sink.count > 1)  // 16,000 lines of ~60 bytes pass the 64 KiB threshold: written without a flush
    }

    @Test("a line reaches the sink without a flush, within the log's delay", .timeLimit(.minutes(1)))
    func delayedWrite() async {
        let (stream, continuation) = AsyncStream<[UInt8]>.makeStream()
        let log = AccessLog(label: "x", clock: { 0 }) { continuation.yield($0) }
        log.record(method: "GET", path: "/p", status: 200, client: "-")
        var iterator = stream.makeAsyncIterator()
        let written = await iterator.next()
        #expect(written.map { String(decoding: $0, as: UTF8.self).hasSuffix("client=- method=GET path=/p status=200 [LedgerHTTP] http request\n") } == true)
    }
}
