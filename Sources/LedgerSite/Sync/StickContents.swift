import LedgerCore
import LedgerSync

/// What a stick holds, as one site reads it at the start of a visit (Specs/bundle-format.md
/// §9.2): each mailbox bundle's signed clear part (never its payload) and each member's marker.
///
/// Only what a current member signed is trusted: a stranger's or a revoked member's index
/// never makes a writer leave an entry off the stick, and only a current member's marker can
/// make a bundle go. A forged or damaged index or marker is rejected (and changes nothing).
struct StickContents {
    /// A mailbox bundle on the stick.
    struct Bundle {
        let name: String
        let index: StickBundleIndex
        /// Signed by a current member (or this site) whose key the name names.
        let trusted: Bool
        let digests: Set<UInt64>
        var ref: StickMarker.BundleRef { StickMarker.BundleRef(senderPrefix: Array(index.header.sender.bytes.prefix(8)), created: index.header.created) }
    }

    var bundles: [Bundle] = []
    /// Each current member's verified marker (this site's own excluded).
    var markers: [Hash32: StickMarker] = [:]
    /// Markers of revoked members: no longer needed on the stick.
    var staleMarkers: [String] = []
    var rejected: [BundleImportOutcome.Rejected] = []
    var ignored: [String] = []

    /// Reads the stick's mailbox bundles and markers listed in `plan`.
    static func read(folder: String, plan: MailboxPlan, ledger: SiteLedger) -> StickContents {
        var contents = StickContents()
        let members = ledger.charter.members
        func isCurrent(_ key: Hash32) -> Bool { key == ledger.siteKey || (members[key].map { $0.revokedFrom == nil } ?? false) }
        for file in plan.mailbox {
            let path = folder + "/" + file.name
            do throws(SyncError) {
                let index = try BundleReader.readIndex(file: path, fileSystem: ledger.files.fileSystem)
                guard MailboxPlanner.keyPrefix(index.header.sender) == file.fromPrefix, index.header.created == file.created else {
                    throw SyncError(.malformedBundle, "the file name does not name the bundle's sender and time", file: path)
                }
                let trusted = isCurrent(index.header.sender)
                if !trusted {
                    contents.ignored.append("\(file.name): \(SyncError.Code.notAMember): its id index is not trusted (the sender is not a current member)")
                }
                contents.bundles.append(Bundle(name: file.name, index: index, trusted: trusted, digests: Set(index.header.index)))
            } catch {
                contents.rejected.append(.init(file: path, code: error.code == .unreadableBundle ? "unreadable" : "\(error.code)", why: error.description))
            }
        }
        for (prefix, name) in plan.markers.sorted(by: { $0.key < $1.key }) where prefix != MailboxPlanner.keyPrefix(ledger.siteKey) {
            let path = folder + "/" + name
            do {
                guard let bytes = try ledger.files.contents(of: path, limit: 2 << 20) else { continue }
                let marker = try StickMarker(decoding: bytes)
                guard MailboxPlanner.keyPrefix(marker.site) == prefix else {
                    throw SyncError(.malformedMarker, "the marker's name does not name the site that signed it", file: path)
                }
                if let member = members[marker.site], member.revokedFrom != nil {
                    contents.staleMarkers.append(name)
                } else if members[marker.site] == nil {
                    contents.ignored.append("\(name): \(SyncError.Code.notAMember): a marker from a key that is not a member")
                } else {
                    contents.markers[marker.site] = marker
                }
            } catch let error as SyncError {
                contents.rejected.append(.init(file: path, code: "\(error.code)", why: error.file == nil ? "\(path): \(error.description)" : error.description))
            } catch {
                contents.rejected.append(.init(file: path, code: "\(SyncError.Code.malformedMarker)", why: "\(path): \(error)"))
            }
        }
        return contents
    }

    /// The digests the stick carries to `member`: of the trusted bundles addressed to it that
    /// it did not refuse, or that it holds per its marker.
    func coveredDigests(for member: Hash32) -> Set<UInt64> {
        let held = Set(markers[member]?.holds ?? [])
        let refused = Set(markers[member]?.refused ?? [])
        var out = Set<UInt64>()
        for bundle in bundles where bundle.trusted && ((bundle.index.isAddressed(to: member) && !refused.contains(bundle.ref)) || held.contains(bundle.ref)) {
            out.formUnion(bundle.digests)
        }
        return out
    }
}
