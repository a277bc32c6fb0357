import LedgerSite

/// One `error: rejected FILE: CODE: …(offset N)` line on stderr per rejected bundle, in every
/// output mode: the file, the stable code and (in the reason) the offset at fault, so a
/// script or an operator watching stderr sees which file on the stick failed and why.
func printRejections(_ rejected: [BundleImportOutcome.Rejected]) {
    for bundle in rejected {
        let why = bundle.why.hasPrefix(bundle.code) ? bundle.why : "\(bundle.code): \(bundle.why)"
        printError("error: rejected \(bundle.file): \(why); it changed nothing")
    }
}
