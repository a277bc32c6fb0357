#if canImport(Glibc)
import Glibc
#endif

/// Hands the allocator's free pages back to the system (Specs/sync-transport.md §7.3.2).
///
/// Why: glibc keeps freed memory in its arenas; after a session that moved a large ledger the
/// server's resident size would stay at the session's peak although the session's buffers
/// are freed. The server calls this when a session ends, so its resident size returns to
/// what it holds between sessions; a server also calls it once it has opened its site, whose
/// reading leaves freed pages behind. A no-op where the allocator has no such call.
public enum HeapTrim {
    /// Releases free heap pages, if the platform's allocator can.
    public static func releaseFreePages() {
        #if canImport(Glibc)
        if let trim = mallocTrim { _ = trim(0) }
        #endif
    }

    /// Makes the allocator serve large buffers (≥ 256 KiB) from their own mappings and return
    /// them to the system when freed, and caps its arenas at one per core (at least two; glibc's
    /// default is eight per core); once per process.
    ///
    /// Why: a sync moves id lists of megabytes and 1 MiB message buffers; glibc's default
    /// raises its mmap threshold after the first such free, after which those buffers come from
    /// the heap and leave it fragmented, and each thread that verifies entries grows its own
    /// arena. Fixed settings keep the resident size near what is live (Specs/sync-transport.md
    /// §7.3.2). A no-op where the allocator has no such call.
    public static func preferReturningLargeBuffers() {
        #if canImport(Glibc)
        _ = configured
        #endif
    }

    #if canImport(Glibc)
    /// Applied once: `M_MMAP_THRESHOLD` (-3) 256 KiB, `M_ARENA_MAX` (-8) one per core, at least 2.
    private static let configured: Bool = {
        guard let symbol = dlsym(nil, "mallopt") else { return false }
        let mallopt = unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
        let cores = Int32(clamping: max(2, sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        return mallopt(-3, 256 << 10) == 1 && mallopt(-8, cores) == 1
    }()

    /// glibc's `malloc_trim(size_t pad)`, looked up at run time: the Glibc module does not
    /// export `<malloc.h>`, and another libc (musl) has no such call.
    private static let mallocTrim: (@convention(c) (Int) -> Int32)? = {
        guard let symbol = dlsym(nil, "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
    }()
    #endif
}
