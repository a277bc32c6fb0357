import Foundation
import Testing

/// Every file under a folder with its bytes: the test's proof that a rejection changed nothing.
struct FolderSnapshot: Equatable {
    /// Relative path → contents.
    let files: [String: Data]

    /// Reads every regular file under `path` (the site must not be open for writing).
    init(_ path: String) {
        var files: [String: Data] = [:]
        if let walker = FileManager.default.enumerator(atPath: path) {
            while let relative = walker.nextObject() as? String {
                var isDirectory: ObjCBool = false
                let full = path + "/" + relative
                guard FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
                // Lock files hold only who last took the lock (Specs/site-layout.md §8.2), no site data.
                if (relative as NSString).lastPathComponent == "LOCK" { continue }
                // The derived-state database is a cache of the log, not site data (Specs/site-layout.md
                // §9): SQLite rewrites its header whenever a writer opens it. `verify` after each
                // case checks it still agrees with the log.
                if relative.hasPrefix("index.sqlite") { continue }
                files[relative] = FileManager.default.contents(atPath: full) ?? Data()
            }
        }
        self.files = files
    }

    /// The relative paths whose presence or bytes differ from `other`.
    func differences(from other: FolderSnapshot) -> [String] {
        Set(files.keys).union(other.files.keys).filter { files[$0] != other.files[$0] }.sorted()
    }
}

/// Copies a folder tree.
func copyFolder(_ source: String, to destination: String) throws {
    try? FileManager.default.removeItem(atPath: destination)
    try FileManager.default.copyItem(atPath: source, toPath: destination)
}
