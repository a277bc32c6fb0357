#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's limit on open file descriptors, which bounds how many connections a server
/// can hold (Specs/sync-transport.md §7.4).
///
/// Why raise it: the common soft limit of 1,024 is reached by a thousand idle strangers before
/// the admission caps get to act (every accepted socket is a descriptor until it is closed),
/// and then `accept` fails for members too. The hard limit is the administrator's choice; we
/// only lift the soft limit up to it.
public enum OpenFileLimit {
    /// Raises the soft limit to the hard limit, once at start.
    /// - Returns: the soft limit in force afterwards, or nil when it cannot be read.
    @discardableResult
    public static func raiseToHardLimit() -> UInt64? {
        var limits = rlimit()
        guard getrlimit(resourceNoFile, &limits) == 0 else { return nil }
        if limits.rlim_cur < limits.rlim_max {
            var raised = limits
            raised.rlim_cur = limits.rlim_max
            if setrlimit(resourceNoFile, &raised) == 0 { limits = raised }
        }
        return UInt64(limits.rlim_cur)
    }

    #if os(Linux)
    private static let resourceNoFile = Int32(RLIMIT_NOFILE.rawValue)
    #else
    private static let resourceNoFile = RLIMIT_NOFILE
    #endif
}
