import LedgerConsent
import LedgerCore

/// Writes the API's `access.decision` entries in group commits (Specs/fhir-api.md §4.3).
///
/// Why: every consult is recorded before it is answered, and one commit (one `fdatasync`)
/// per consult caps a site at a few hundred consults a second. Consults that arrive while a
/// commit runs wait for the next one, which writes them all at once; each is answered only
/// after the commit holding its entry is durable, so recording-before-answering still holds.
actor DecisionCommitter {
    private let service: LedgerSyncService
    private var pending: [(payload: [UInt8], continuation: CheckedContinuation<Entry, any Error>)] = []
    private var committing = false

    init(service: LedgerSyncService) {
        self.service = service
    }

    /// Writes `payload` as an `access.decision` entry with the others waiting, and returns it
    /// once it is durable.
    func record(_ payload: [UInt8]) async throws -> Entry {
        try await withCheckedThrowingContinuation { continuation in
            pending.append((payload, continuation))
            if !committing {
                committing = true
                Task { await self.drain() }
            }
        }
    }

    private func drain() async {
        while !pending.isEmpty {
            let batch = pending
            pending = []
            let payloads = batch.map(\.payload)
            do {
                let entries = try await service.withLedger { ledger, set in
                    let written = try ledger.append(kind: AccessDecisionPayload.kind, payloads: payloads)
                    _ = set.insert(contentsOf: written.map(\.id))
                    return written
                }
                guard entries.count == batch.count else {
                    throw SiteError(.unusableSite, "\(entries.count) of \(batch.count) access.decision entries were written")
                }
                for (item, entry) in zip(batch, entries) { item.continuation.resume(returning: entry) }
            } catch {
                for item in batch { item.continuation.resume(throwing: error) }
            }
        }
        committing = false
    }
}
