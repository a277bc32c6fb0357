/// The durable small-file helpers for callers that hold no site yet (a bundle written to a
/// mailbox, a peer's summary): thin calls on the one seam, ``FileIO``, with the real file
/// system. Code that holds a `SiteLedger` uses its ``SiteLedger/files`` instead, so a test
/// double reaches those writes too.
package enum DurableFiles {
    /// Replaces `path` with `bytes` atomically: write a temporary file, fsync it, rename it
    /// over `path`, fsync the directory.
    package static func writeAtomically(_ bytes: [UInt8], to path: String, mode: UInt32) throws {
        try FileIO.posix.writeAtomically(bytes, to: path, permissions: mode)
    }

    /// Appends `bytes` to `path` (creating it, and then fsyncing its directory) and fsyncs.
    package static func append(_ bytes: [UInt8], to path: String) throws {
        try FileIO.posix.append(bytes, to: path)
    }

    /// Creates `path` and any missing parents, fsyncing each new folder's parent.
    package static func makeDirectory(_ path: String) throws {
        try FileIO.posix.makeDirectory(path)
    }
}
