import ArgumentParser
import Foundation

/// `careledger-bench route`: the field team's route with real sites and the real binary.
/// Central founds the network and admits N clinics; each clinic writes its entries; one stick
/// goes c1 → … → cN → central, trip after trip, each visit a `careledger sync --folder` run as
/// a separate process, until every site holds the same entries (Specs/bundle-format.md §9).
struct RouteBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "route",
        abstract: "Carry one stick around N clinics and central until all converge; report the stick's peak size against central's log.")

    @Option(help: "Comma-separated numbers of clinics.") var clinics: String = "8,16,32"
    @Option(help: "New entries each clinic writes before the route.") var entriesPerClinic: Int = 300
    @Option(help: "Most trips before giving up on convergence.") var maxTrips: Int = 4
    @Option(help: "The careledger binary (default: the one beside this program).") var binary: String?
    @Option(help: "Build the sites here and keep them (default: a temporary folder, removed).") var keep: String?
    @Flag(help: "Print the figures as one JSON line last.") var json = false

    func validate() throws {
        guard !parsedClinics.isEmpty, parsedClinics.allSatisfy({ (1...1000).contains($0) }) else {
            throw ValidationError("--clinics takes comma-separated counts from 1 to 1000")
        }
        guard (1...1_000_000).contains(entriesPerClinic) else { throw ValidationError("--entries-per-clinic must be 1 to 1000000") }
        guard (1...20).contains(maxTrips) else { throw ValidationError("--max-trips must be 1 to 20") }
    }

    private var parsedClinics: [Int] {
        clinics.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }.sorted()
    }

    func run() throws {
        let binary = try BenchBinary.locate(binary)
        let root = keep ?? FileManager.default.temporaryDirectory.path + "/careledger-bench-route-\(UUID().uuidString.prefix(8))"
        defer { if keep == nil { try? FileManager.default.removeItem(atPath: root) } }
        let say: (String) -> Void = { FileHandle.standardError.write(Data(("route: " + $0 + "\n").utf8)) }
        var figures: [String: Any] = [:]
        print("clinics  trips  stick peak  central log  ratio  files  visit median")
        for count in parsedClinics {
            let route = try RouteNetwork.build(clinics: count, entriesPerClinic: entriesPerClinic, root: root + "/clinics-\(count)", binary: binary, say: say)
            let outcome = try route.drive(maxTrips: maxTrips, say: say)
            let logBytes = RouteNetwork.bytes(under: route.central + "/log")
            let ratio = logBytes > 0 ? Double(outcome.stickPeakBytes) / Double(logBytes) : 0
            figures["trips_to_converge_\(count)"] = outcome.trips
            figures["stick_peak_bytes_\(count)"] = outcome.stickPeakBytes
            figures["central_log_bytes_\(count)"] = logBytes
            figures["stick_ratio_\(count)"] = rounded(ratio)
            figures["visit_ms_median_\(count)"] = rounded(outcome.visitMedianMilliseconds)
            figures["files_peak_\(count)"] = outcome.filesPeak
            print("\(count)".leftPadded(7) + "\(outcome.trips.map(String.init) ?? "no")".leftPadded(7)
                  + "\(outcome.stickPeakBytes)".leftPadded(12) + "\(logBytes)".leftPadded(13) + "\(rounded(ratio))x".leftPadded(7)
                  + "\(outcome.filesPeak)".leftPadded(7) + "\(rounded(outcome.visitMedianMilliseconds)) ms".leftPadded(14))
        }
        if json { print(try sortedJSONLine(figures)) }
    }
}
