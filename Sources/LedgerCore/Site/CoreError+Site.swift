extension CoreError.Code {
    /// Another process holds the data folder's single-writer lock.
    public static let locked = CoreError.Code("locked")
    /// The folder holds no CareLedger site.
    public static let notASite = CoreError.Code("not_a_site")
    /// An entry belongs to another network.
    public static let wrongNetwork = CoreError.Code("wrong_network")
    /// A name, key or id the caller gave is not known to this site.
    public static let notFound = CoreError.Code("not_found")
    /// The caller's site may not do this (e.g. admit without a governance role).
    public static let notPermitted = CoreError.Code("not_permitted")
}

extension CoreError.Code {
    /// The disk is full; nothing after the last acknowledged write was kept.
    public static let noSpace = CoreError.Code("no_space")
}

extension CoreError.Code {
    /// The site's data holds integrity faults; writes are refused until it is repaired.
    public static let damaged = CoreError.Code("damaged")
}
