import LedgerStorage

/// A file system whose `fsync` and `fdatasync` return without syncing: what a writer that
/// was killed after its writes, before any sync returned, leaves — its bytes in the page
/// cache, readable by the next process, lost by a power loss. Wrapped around a
/// ``RecordingFileSystem``, the trace holds the writes but not the syncs, so the crash-state
/// replay treats them as volatile.
package struct UnsyncedFileSystem: ForwardingFileSystem {
    package let base: any FileSystem

    package init(base: any FileSystem) { self.base = base }

    package func syncData(_ file: OpenFile) throws {}
    package func sync(_ file: OpenFile) throws {}
    package func syncDirectory(_ path: String) throws {}
}
