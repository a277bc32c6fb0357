import Foundation
import LedgerCore

/// What `verify` said about a tampered copy of a site's data folder.
struct DemoTamperResult {
    let copy: String
    let segment: String
    let offset: Int
    let detected: Bool
    let faults: [LedgerFault]
    let openRefused: String?
}

/// Tampers with a *copy* of a site's data folder, the way an intruder with disk access
/// would, and shows that `verify` catches it.
///
/// The intruder flips bytes in the middle of the log's segment file and, to cover the
/// tracks, deletes the derived Merkle cache (the site rebuilds it from the log on open).
/// The site's signed tree heads still commit to the original log, so verify reports the
/// entries the damage removed. The original site is never touched.
enum DemoTamper {
    static func run(on site: DemoSite, into copy: String) throws -> DemoTamperResult {
        let files = FileManager.default
        do {
            try files.copyItem(atPath: site.directory, toPath: copy)
            try files.removeItem(atPath: copy + "/merkle")
        } catch {
            throw CLIFailure.usage("cannot copy \(site.directory) to \(copy) for the tamper test")
        }
        let segments = ((try? files.contentsOfDirectory(atPath: copy + "/log")) ?? []).filter { $0.hasSuffix(".lz4") }.sorted()
        guard let segment = segments.last.map({ copy + "/log/" + $0 }),
              var bytes = files.contents(atPath: segment).map(Array.init), bytes.count > 64 else {
            throw CLIFailure.usage("the copy of \(site.name) holds no segment to tamper with")
        }
        let offset = bytes.count / 2
        for i in offset..<min(offset + 4, bytes.count) { bytes[i] ^= 0x5a }
        guard files.createFile(atPath: segment, contents: Data(bytes)) else {
            throw CLIFailure.usage("cannot write the tampered segment \(segment)")
        }
        let tampered: SiteLedger
        do {
            tampered = try SiteLedger.open(at: copy, logger: DemoSite.quietLogger)
        } catch let error as CoreError {
            // Refusing to open is also a detection, but verify is the check the demo shows.
            return DemoTamperResult(copy: copy, segment: segment, offset: offset, detected: true, faults: [],
                                    openRefused: error.description)
        }
        let report = tampered.verify()
        return DemoTamperResult(copy: copy, segment: segment, offset: offset, detected: !report.ok,
                                faults: report.faults, openRefused: nil)
    }
}
