import LedgerCore

/// Which mailbox bundles a stick no longer needs (Specs/bundle-format.md §9.4): pure, so the
/// rule is tested apart from the disk.
public enum StickCollector {
    /// A mailbox bundle on the stick, as its trusted index describes it.
    public struct Bundle: Sendable {
        /// Its file name.
        public let name: String
        /// How markers name it.
        public let ref: StickMarker.BundleRef
        /// Its recipients that are current members.
        public let recipients: Set<Hash32>
        /// Whether every recipient hint was matched to a key this site knows (a bundle with an
        /// unknown recipient is kept: that recipient's needs cannot be judged).
        public let allRecipientsKnown: Bool
        /// The digests it carries.
        public let digests: Set<UInt64>

        /// Creates a description.
        public init(name: String, ref: StickMarker.BundleRef, recipients: Set<Hash32>, allRecipientsKnown: Bool, digests: Set<UInt64>) {
            self.name = name
            self.ref = ref
            self.recipients = recipients
            self.allRecipientsKnown = allRecipientsKnown
            self.digests = digests
        }
    }

    /// The names of the bundles to remove: a bundle goes when, for each recipient that is a
    /// current member, that recipient's marker lists it, or every id it carries is carried
    /// by a newer bundle addressed to that recipient. Newer bundles are never removed on
    /// account of older ones, so two bundles never remove each other.
    /// - Parameter holds: each member's marker: the bundles it holds.
    public static func removable(_ bundles: [Bundle], holds: [Hash32: Set<StickMarker.BundleRef>]) -> [String] {
        let ordered = bundles.sorted { $0.ref < $1.ref }
        var out: [String] = []
        for (index, bundle) in ordered.enumerated() where bundle.allRecipientsKnown {
            let newer = ordered[(index + 1)...]
            let done = bundle.recipients.allSatisfy { recipient in
                if holds[recipient]?.contains(bundle.ref) == true { return true }
                var missing = bundle.digests
                for later in newer where later.recipients.contains(recipient) {
                    missing.subtract(later.digests)
                    if missing.isEmpty { break }
                }
                return missing.isEmpty
            }
            if done { out.append(bundle.name) }
        }
        return out
    }
}
