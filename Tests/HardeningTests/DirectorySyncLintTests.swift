import Foundation
import Testing

/// The ALICE lesson as a lint: every call that creates or renames a name in a folder must
/// sit in a function that also fsyncs a directory, or the new name can vanish in a power
/// cut even though the file's data was synced. A textual check over `Sources/`.
///
/// A creation site passes when its enclosing function (found by brace matching) also calls
/// one of `syncSignals`, or when it is on the allow-list with the reason why.
@Suite("Directory fsync lint")
struct DirectorySyncLintTests {
    /// Calls that create or rename a directory entry.
    static let creations = ["rename(", "O_CREAT", ".createTruncate", ".readWriteCreate", ".createExclusive", "createDirectory(", "mkdir(",
                            "moveItem(", "copyItem(", "createFile(", ".write(to:", "link("]
    /// Calls that make directory entries durable (directly or through a helper that does).
    static let syncSignals = ["syncDirectory(", "syncParentDirectory(", "DurableFile.write(", "DurableFiles.writeAtomically(",
                              "DurableFiles.makeDirectory(", "DurableFile.create(", "DurableFile.makeDirectory(",
                              "files.writeAtomically(", "files.makeDirectory(", "files.create(",
                              "directoryDirty = true"]
    /// Sites exempt from the rule, as "file: function" prefixes, each with its reason.
    static let allowList: [String: String] = [
        "LedgerStorage/FileSystem.swift": "the seam's protocol declares the primitives",
        "LedgerStorage/POSIXFileSystem.swift": "the seam's implementation of the primitives; callers sync",
        "TestSupport/": "test helpers",
        "StorageTestSupport/": "test doubles of the seam (they forward to the real one) and crash-state folders",
        "careledger-bench/": "benchmark scratch folders, deleted after each run",
        "LedgerStorage/SegmentLog.swift:init": "the lock file carries no data; losing its name loses nothing",
        "LedgerCore/Site/FileIO+Lock.swift:withExclusiveLock": "history/LOCK carries no data; losing its name loses nothing",
        "CareLedgerCLI/Demo/": "the demo's own scratch folders (a temporary stick, a tampered copy), not ledger data",
        "CareLedgerCLI/Commands/DemoCommand.swift": "the demo's temporary root folder; its sites create theirs durably",
        "CareLedgerCLI/Report/": "report output, rebuilt from the ledger on demand; not ledger data",
        "CareLedgerCLI/Support/JSONLinesStream.swift:spoolStandardInput": "append's temporary copy of stdin, deleted when it ends; not ledger data",
        "LedgerSite/Publish/StaticLogFolder.swift:write": "a publish batches its directory fsyncs: the folders it touched are synced by syncFolders() before the checkpoint is renamed (Specs/static-log.md §5)",
        "LedgerSite/Mirror/BundleSpool.swift:write": "a catch-up batches the spool's directory fsync: syncFolder() runs before each batch is ingested and covers every rename before it; a bundle counts as downloaded only after it (Specs/static-log.md §11.4)",
        "LedgerSite/Publish/StaticLogFolder.swift:makeFolder": "the same batch: makeFolder records the parent, which syncFolders() fsyncs before the checkpoint",
    ]

    /// One function body that creates a name.
    struct Site: CustomStringConvertible {
        let file: String
        let function: String
        let line: Int
        let call: String
        var description: String { "\(file):\(line) \(function) calls \(call) with no directory fsync in the same function" }
    }

    /// Every function in `Sources/` with a creation call and no directory sync, allow-list applied.
    static func violations() throws -> (checked: Int, sites: [Site]) {
        let sources = Repository.root.appendingPathComponent("Sources").path
        var checked = 0
        var sites: [Site] = []
        guard let walker = FileManager.default.enumerator(atPath: sources) else { return (0, []) }
        while let relative = walker.nextObject() as? String {
            guard relative.hasSuffix(".swift") else { continue }
            let text = try String(contentsOfFile: sources + "/" + relative, encoding: .utf8)
            for function in functions(in: text) {
                let body = function.lines.filter { !$0.text.trimmingCharacters(in: .whitespaces).hasPrefix("//") }
                guard let hit = body.first(where: { line in creations.contains { calls(line.text, $0) } }) else { continue }
                checked += 1
                if allowList.keys.contains(where: { relative.hasPrefix($0) || "\(relative):\(function.name)".hasPrefix($0) }) { continue }
                if body.contains(where: { line in syncSignals.contains { line.text.contains($0) } }) { continue }
                let call = creations.first { calls(hit.text, $0) } ?? "?"
                sites.append(Site(file: relative, function: function.name, line: hit.number, call: call))
            }
        }
        return (checked, sites)
    }

    /// Whether `line` contains `call` as a whole name (`moveItem(` but not `removeItem(`).
    static func calls(_ line: String, _ call: String) -> Bool {
        var search = line[...]
        while let range = search.range(of: call) {
            let before = range.lowerBound == line.startIndex ? nil : line[line.index(before: range.lowerBound)]
            if call.first?.isLetter == false || before.map({ !($0.isLetter || $0.isNumber || $0 == "_") }) ?? true { return true }
            search = line[range.upperBound...]
        }
        return false
    }

    /// Functions (and initialisers) with their body lines, by brace matching.
    static func functions(in text: String) -> [(name: String, lines: [(number: Int, text: String)])] {
        let lines = text.components(separatedBy: "\n")
        var out: [(name: String, lines: [(number: Int, text: String)])] = []
        var index = 0
        while index < lines.count {
            let line = lines[index]
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            let isDeclaration = !trimmed.hasPrefix("//") && (trimmed.range(of: #"\bfunc\s+\w+"#, options: .regularExpression) != nil
                || trimmed.range(of: #"^(public |package |private |fileprivate |internal |convenience |required )*init[?!]?\("#, options: .regularExpression) != nil)
            guard isDeclaration else { index += 1; continue }
            let name = trimmed.range(of: #"func\s+\w+"#, options: .regularExpression).map { String(trimmed[$0].dropFirst(5)).trimmingCharacters(in: .whitespaces) } ?? "init"
            var depth = 0, started = false
            var body: [(number: Int, text: String)] = []
            var cursor = index
            while cursor < lines.count {
                let current = lines[cursor]
                body.append((cursor + 1, current))
                for character in current {
                    if character == "{" { depth += 1; started = true } else if character == "}" { depth -= 1 }
                }
                if started && depth <= 0 { break }
                if !started && cursor > index + 8 { break }  // a protocol requirement: no body
                cursor += 1
            }
            if started { out.append((name, body)) }
            index += 1  // nested functions are scanned on their own too
        }
        return out
    }

    @Test("every file creation or rename in Sources/ is followed by a directory fsync in the same function")
    func everyCreationSyncsItsDirectory() throws {
        let (checked, sites) = try Self.violations()
        print("directory-fsync lint: \(checked) functions create or rename names; \(sites.count) without a directory fsync")
        #expect(checked >= 8, "the lint found too few creation sites (\(checked)); is it still scanning Sources/?")
        let known = Self.knownDefects
        for site in sites where !known.contains(where: { site.file.hasPrefix($0.file) && site.function == $0.function }) {
            Issue.record("\(site)")
        }
        for defect in known {
            withKnownIssue("\(defect.file) \(defect.function): \(defect.why)") {
                #expect(!sites.contains { $0.file.hasPrefix(defect.file) && $0.function == defect.function })
            }
        }
    }

    /// Defects this lint found, reported to the lead; remove a row when its fix lands.
    static let knownDefects: [(file: String, function: String, why: String)] = []
}
