import ArgumentParser
import Foundation
import LedgerConsent
import LedgerCore

/// `careledger-bench check`: access-check latency at 10k, 100k and 1M consent versions.
///
/// Issue 4 asks for a check under 20 µs median that does not grow with the ledger. Each size
/// holds five versions per patient (1M versions over 200k patients, scaled down for the
/// smaller sizes) with supersession chains, a second consent, 10% open conflicts and nested
/// provisions. Beside it, in the same run, the baseline a ledger without the patient index
/// would need: a full scan of every version to collect the patient's, then the same check.
struct CheckBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "In-process consent access-check latency at three ledger sizes, beside a full-scan baseline.")

    @Option(help: "Versions at the largest size; the others are 1/10 and 1/100 of it.")
    var versions: Int = 1_000_000

    @Option(help: "Timed checks per size.")
    var checks: Int = 20_000

    @Flag(help: "Print one JSON object as the last line.")
    var json = false

    func validate() throws {
        guard versions >= 500, checks >= 100 else { throw ValidationError("--versions must be at least 500 and --checks at least 100") }
    }

    func run() throws {
        let sizes = [versions / 100, versions / 10, versions]
        var rows: [Row] = []
        print("size        versions  patients  build_s  check_median_us  check_p99_us  full_scan_median_us  scan/indexed")
        for size in sizes {
            let row = measure(size: size)
            rows.append(row)
            print(String(format: "%-10@ %9d %9d %8.2f %16.2f %13.2f %20.1f %13.0fx",
                         row.label as NSString, row.versions, row.patients, row.buildSeconds, row.median, row.p99, row.scanMedian,
                         row.scanMedian / max(row.median, 0.001)))
        }
        let flat = rows[2].median / max(rows[0].median, 0.001)
        print(String(format: "median at %@ / median at %@: %.2f (flat = about 1); target < 20 µs", rows[2].label as NSString, rows[0].label as NSString, flat))
        if json {
            var fields: [String: Any] = ["checks_per_size": checks, "flat_ratio": flat, "target_us": 20]
            for (row, name) in zip(rows, ["10k", "100k", "1m"]) {
                fields["check_median_us_\(name)"] = round(row.median * 100) / 100
                fields["check_p99_us_\(name)"] = round(row.p99 * 100) / 100
                fields["full_scan_median_us_\(name)"] = round(row.scanMedian * 10) / 10
                fields["versions_\(name)"] = row.versions
                fields["patients_\(name)"] = row.patients
                fields["build_s_\(name)"] = round(row.buildSeconds * 100) / 100
            }
            print(try sortedJSONLine(fields))
        }
    }

    struct Row {
        var label: String, versions: Int, patients: Int, buildSeconds: Double, median: Double, p99: Double, scanMedian: Double
    }

    private func measure(size: Int) -> Row {
        var rng = BenchRandom(seed: UInt64(size))
        let patientCount = max(1, size / 5)
        let corpus = CheckCorpus(patients: patientCount, versions: size, rng: &rng)
        let buildStart = DispatchTime.now().uptimeNanoseconds
        var engine = ConsentEngine()
        for v in corpus.versions { engine.ingest(v) }
        let buildSeconds = Double(DispatchTime.now().uptimeNanoseconds - buildStart) / 1e9
        let requests = (0..<checks).map { _ in corpus.request(&rng) }
        var sink = 0
        for r in requests.prefix(1000) { sink &+= engine.check(r).basis.count }  // warm up
        var samples: [Double] = []
        samples.reserveCapacity(requests.count)
        for r in requests {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let d = engine.check(r)
            let t1 = DispatchTime.now().uptimeNanoseconds
            sink &+= d.basis.count
            samples.append(Double(t1 - t0) / 1000)
        }
        // Baseline: no index, so every check scans all versions for the patient's.
        let scanRuns = max(11, min(401, 4_000_000 / size))
        var scans: [Double] = []
        for r in requests.prefix(scanRuns) {
            let t0 = DispatchTime.now().uptimeNanoseconds
            var small = ConsentEngine()
            for v in corpus.versions where v.content.key.patient == r.patient { small.ingest(v) }
            let d = small.check(r)
            let t1 = DispatchTime.now().uptimeNanoseconds
            sink &+= d.basis.count
            scans.append(Double(t1 - t0) / 1000)
        }
        if sink == 42 { print("") }  // keeps the optimiser from dropping the checks
        samples.sort()
        scans.sort()
        let label = size >= 1_000_000 ? "\(size / 1_000_000)M" : size >= 1000 ? "\(size / 1000)k" : "\(size)"
        return Row(label: label, versions: engine.versionCount, patients: engine.patientCount, buildSeconds: buildSeconds,
                   median: samples[samples.count / 2], p99: samples[samples.count * 99 / 100], scanMedian: scans[scans.count / 2])
    }
}

/// Five versions per patient: a three-version privacy chain and a research consent that is
/// either updated or (one patient in ten) left with two concurrent heads.
struct CheckCorpus {
    var versions: [RecordedConsentVersion] = []
    var patients: [PatientPseudonym] = []

    static let role = Concept(system: "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", code: "PRCP")
    static let purpose = Coding(system: "http://terminology.hl7.org/CodeSystem/v3-ActReason", code: "TREAT")
    static let research = Coding(system: "http://terminology.hl7.org/CodeSystem/v3-ActReason", code: "HRESCH")
    static let actors = (0..<8).map { ProvisionActor(role: role, reference: "Organization/clinic-\($0)") }
    static let scope = Concept(system: "http://terminology.hl7.org/CodeSystem/consentscope", code: "patient-privacy")
    static let category = [Concept(system: "http://loinc.org", code: "59284-0")]
    static let nested = ConsentProvision(
        type: .permit, actors: Array(actors.prefix(4)), purposes: [purpose],
        classes: [Coding(system: "http://hl7.org/fhir/resource-types", code: "Observation")],
        provisions: [ConsentProvision(type: .deny, securityLabels: [Coding(code: "HIV"), Coding(code: "PSY")])])
    static let jan2026: Int64 = 1_767_225_600_000

    init(patients count: Int, versions total: Int, rng: inout BenchRandom) {
        var clock: UInt64 = 1_767_225_600_000
        func add(_ key: ConsentKey, _ status: ConsentStatus, _ provision: ConsentProvision?, _ supersedes: [Hash32]) -> Hash32 {
            clock += 1
            let v = RecordedConsentVersion(
                id: rng.hash(), time: HybridTimestamp(wallMillis: clock, counter: 0), author: .zero,
                content: ConsentVersionContent(key: key, status: status, scope: Self.scope, category: Self.category,
                                               provision: provision, supersedes: supersedes))
            versions.append(v)
            return v.id
        }
        versions.reserveCapacity(total)
        for i in 0..<count {
            let patient = PatientPseudonym(rng.hash())
            patients.append(patient)
            let privacy = ConsentKey(patient: patient, consentId: "privacy")
            let v1 = add(privacy, .active, ConsentProvision(type: .permit), [])
            let v2 = add(privacy, .active, Self.nested, [v1])
            var bounded = Self.nested
            bounded.period = ConsentPeriod(start: Self.jan2026 - 86_400_000 * Int64(i % 400), end: Self.jan2026 + 86_400_000 * 365)
            _ = add(privacy, .active, bounded, [v2])
            let study = ConsentKey(patient: patient, consentId: "research")
            let r1 = add(study, .active, ConsentProvision(type: .permit, actors: [Self.actors[7]], purposes: [Self.research]), [])
            _ = add(study, i % 10 == 0 ? .inactive : .active, ConsentProvision(type: .deny, purposes: [Self.research]), i % 10 == 0 ? [] : [r1])
            if versions.count >= total { break }
        }
    }

    /// A random request for a random patient: varied actors, purposes, classes and times.
    func request(_ rng: inout BenchRandom) -> AccessRequest {
        let patient = patients[Int(rng.next() % UInt64(patients.count))]
        let shape = rng.next() % 4
        return AccessRequest(
            patient: patient, actor: "Organization/clinic-\(rng.next() % 8)", purpose: shape == 3 ? "HRESCH" : "TREAT",
            classes: shape == 1 ? ["Observation", "HIV"] : ["Observation"],
            time: Self.jan2026 + Int64(rng.next() % 400) * 86_400_000)
    }
}
