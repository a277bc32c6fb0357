import LedgerCore
@testable import LedgerNet
import NIOCore
import Testing

/// Timeouts can never trap the transport (issue 18: `sync --timeout 1e10` died with SIGILL
/// converting seconds to `Int64` nanoseconds): every configured or scheduled timeout is
/// bounded to `TransportConfiguration.timeoutRange`, and NaN fails closed to the shortest.
@Suite("Timeout bounds")
struct TimeoutBoundsTests {
    static let hostile: [Double] = [.nan, -.nan, .infinity, -.infinity, 1e10, 1e308, -1, -0.0, 0,
                                    Double(Int64.max), .greatestFiniteMagnitude, .leastNonzeroMagnitude]

    @Test("a configuration keeps every timeout within its range, at creation and when set later")
    func configurationClamps() {
        let range = TransportConfiguration.timeoutRange
        for value in Self.hostile {
            var configuration = TransportConfiguration(networkID: testNetworkID,
                                                       idleTimeout: value, exchangeTimeout: value, connectTimeout: value)
            for seconds in [configuration.idleTimeout, configuration.exchangeTimeout, configuration.connectTimeout] {
                #expect(range.contains(seconds), "\(value) became \(seconds)")
            }
            configuration.idleTimeout = value
            configuration.exchangeTimeout = value
            configuration.connectTimeout = value
            for seconds in [configuration.idleTimeout, configuration.exchangeTimeout, configuration.connectTimeout] {
                #expect(range.contains(seconds), "\(value) set later became \(seconds)")
            }
        }
        #expect(TransportConfiguration.boundedSeconds(.nan) == range.lowerBound, "NaN fails closed to the shortest")
        #expect(TransportConfiguration.boundedSeconds(30) == 30, "an ordinary value is kept")
    }

    @Test("the timeout handler turns any number of seconds into a timer delay without trapping")
    func handlerDelaysNeverTrap() {
        for value in Self.hostile {
            let delay = TimeoutHandler.timeAmount(seconds: value)
            #expect(delay.nanoseconds >= 1_000_000 && delay.nanoseconds <= 31_536_000 * 1_000_000_000, "\(value) → \(delay)")
        }
    }
}
