import LedgerCore

/// The error of the site layer: what a program embedding CareLedger is told when a site
/// operation cannot be done, with a stable code, a one-line message and its context.
///
/// Errors of the layers below (`CoreError`, `SyncError`, `ConsentError`, `TransportError`)
/// pass through unchanged where they already say what happened; a `SiteError` is thrown
/// where the site layer itself decides (an unknown member, an unreadable input file) or
/// where it classifies a lower error (a site that cannot be used). Messages never carry
/// payload bytes or patient identifiers.
public struct SiteError: Error, Sendable, CustomStringConvertible {
    /// A stable, extensible error code: compare with `==`, never switch exhaustively.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's name, stable across releases.
        public let name: String

        /// Creates a code; prefer the static members.
        public init(_ name: String) { self.name = name }

        /// The code's name.
        public var description: String { name }

        /// The caller asked for something that is not there or not valid (bad input).
        public static let invalidRequest = Code("invalid_request")
        /// No member of the network has this name or key.
        public static let unknownMember = Code("unknown_member")
        /// A recipient's key-agreement key is not known yet, so nothing can be encrypted to it.
        public static let recipientKeyUnknown = Code("recipient_key_unknown")
        /// An input file (bundle, FHIR JSON) or folder cannot be read.
        public static let unreadableInput = Code("unreadable_input")
        /// An output file or folder cannot be written.
        public static let cannotWrite = Code("cannot_write")
        /// The site's own data cannot be used (locked, damaged, unreadable, out of space).
        public static let unusableSite = Code("unusable_site")
    }

    /// What kind of failure.
    public var code: Code
    /// One line for people, naming the file or member at fault.
    public var message: String
    /// The file or folder concerned, when there is one.
    public var path: String?
    /// The error of a lower layer that caused this one, when there is one.
    public var underlying: (any Error)?

    /// Creates an error; give every piece of context you have.
    public init(_ code: Code, _ message: String, path: String? = nil, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.path = path
        self.underlying = underlying
    }

    /// The message (the CLI prints it after `error: `).
    public var description: String { message }
}
