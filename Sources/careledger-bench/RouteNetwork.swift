import Foundation

/// The sites of `careledger-bench route`, built and driven with the `careledger` binary only.
struct RouteNetwork {
    let root: String
    let binary: String
    let central: String
    let clinics: [String]
    let stick: String

    /// What driving the route measured.
    struct Outcome {
        /// The trip after which every site held the same entries; nil when none did within the cap.
        var trips: Int?
        var stickPeakBytes = 0
        var filesPeak = 0
        var visitMedianMilliseconds = 0.0
    }

    /// Founds central, admits `clinics` clinics and has each write `entriesPerClinic` notes and anchors.
    static func build(clinics count: Int, entriesPerClinic: Int, root: String, binary: String, say: (String) -> Void) throws -> RouteNetwork {
        try FileManager.default.createDirectory(atPath: root + "/stick", withIntermediateDirectories: true)
        let builder = BenchNetworkBuilder(binary: binary, root: root)
        let central = root + "/central"
        say("\(count) clinics: founding central")
        try builder.found(central: central, network: "route")
        let clinics = try (1...count).map { try builder.addClinic("clinic-\($0)", central: central, entries: entriesPerClinic) }
        say("\(count) clinics: \(entriesPerClinic) entries each written")
        return RouteNetwork(root: root, binary: binary, central: central, clinics: clinics, stick: root + "/stick")
    }

    /// Carries the stick c1 → … → cN → central until every site holds the same entries.
    func drive(maxTrips: Int, say: (String) -> Void) throws -> Outcome {
        var outcome = Outcome()
        var visits: [Double] = []
        for trip in 1...maxTrips {
            for site in clinics + [central] {
                let run = try MeasuredProcess.runChecked(binary, ["sync", "--dir", site, "--folder", stick, "--json"], scratch: root)
                visits.append(run.milliseconds)
                let names = (try? FileManager.default.contentsOfDirectory(atPath: stick)) ?? []
                outcome.filesPeak = max(outcome.filesPeak, names.count)
                outcome.stickPeakBytes = max(outcome.stickPeakBytes, Self.bytes(under: stick))
            }
            let counts = try (clinics + [central]).map(entries)
            say("trip \(trip): stick peak \(outcome.stickPeakBytes) bytes; entries per site \(Set(counts).sorted())")
            if Set(counts).count == 1 {
                outcome.trips = trip
                break
            }
        }
        let sorted = visits.sorted()
        outcome.visitMedianMilliseconds = sorted.isEmpty ? 0 : sorted[sorted.count / 2]
        return outcome
    }

    private func entries(_ site: String) throws -> Int {
        let out = root + "/stats.json"
        _ = try MeasuredProcess.runChecked(binary, ["stats", "--dir", site, "--json"], scratch: root, stdoutPath: out)
        let stats = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as? [String: Any] ?? [:]
        return stats["entries"] as? Int ?? -1
    }

    /// Bytes of the regular files under `folder`, recursively.
    static func bytes(under folder: String) -> Int {
        guard let walker = FileManager.default.enumerator(atPath: folder) else { return 0 }
        var total = 0
        for case let name as String in walker {
            let attributes = try? FileManager.default.attributesOfItem(atPath: folder + "/" + name)
            if attributes?[.type] as? FileAttributeType == .typeRegular { total += (attributes?[.size] as? Int) ?? 0 }
        }
        return total
    }
}
