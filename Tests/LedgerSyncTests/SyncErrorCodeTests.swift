import LedgerSync
import Testing

/// SyncError's codes are extensible structs named as in Specs/sync-protocol.md §6 and
/// bundle-format §8.
@Suite("Sync error codes")
struct SyncErrorCodeTests {
    static let codes: [(SyncError.Code, String)] = [
        (.truncatedMessage, "message.truncated"), (.oversizedMessage, "message.oversized"),
        (.unknownMessageType, "message.unknown-type"), (.malformedMessage, "message.malformed"),
        (.limitExceeded, "message.limit"), (.unexpectedMessage, "sync.unexpected-message"),
        (.unsupportedVersion, "sync.unsupported-version"), (.itemRejected, "sync.item-rejected"),
        (.tooManyRounds, "sync.too-many-rounds"), (.peerAborted, "sync.peer-aborted"),
        (.commitFailed, "sync.commit-failed"), (.itemUnavailable, "sync.item-unavailable"),
        (.notABundle, "bundle.magic"), (.truncatedBundle, "bundle.truncated"),
        (.newerFormatVersion, "bundle.newer-version"), (.checksumMismatch, "bundle.checksum"),
        (.badSignature, "bundle.signature"), (.notARecipient, "bundle.wrong-recipient"),
        (.decryptionFailed, "bundle.decrypt"), (.declaredSizeOverCap, "bundle.size-cap"),
        (.decompressionFailed, "bundle.decompress"), (.malformedBundle, "bundle.malformed"),
        (.bundleWriteFailed, "bundle.write"), (.unsafeFileName, "mailbox.unsafe-name"),
    ]

    @Test("every code keeps its name, is distinct, and prints first in the error's description")
    func codesKeepTheirNames() {
        for (code, name) in Self.codes {
            #expect(code.name == name && code.description == name)
            #expect(SyncError(code, "m", offset: 4).description == "\(name): m (offset 4)")
        }
        #expect(Set(Self.codes.map(\.0)).count == Self.codes.count)
    }
}
