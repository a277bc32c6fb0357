/// What a long site operation tells its caller as it goes, so a program can draw a bar,
/// log, or ignore it. The library never prints: these events are all it says.
public enum SiteProgress: Sendable, Equatable {
    /// The work starts with `total` units (bundles, entries); 0 when the total is not known.
    case begin(total: Int)
    /// The unit now being worked on, for people (a bundle's file name, a peer's name).
    case describe(String)
    /// `units` more units are done, carrying `items` entries.
    case advance(units: Int, items: Int)
    /// An absolute count of entries so far with a line for people (TCP sync: in and out).
    case update(done: Int, detail: String)
    /// The work is over, also when it failed; nothing follows.
    case end
}

/// Receives progress events; called on the caller's thread, or on the ledger's writer queue
/// for TCP sync sessions.
public typealias SiteProgressHandler = @Sendable (SiteProgress) -> Void
