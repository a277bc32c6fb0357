import Foundation
import GRDB
import LedgerCore

extension SiteIndex {
    /// Whether `error` says the database file is damaged (SQLite found a page it cannot
    /// parse, or a file that is not a database). SQLite finds it only on the pages a
    /// statement reads, so any statement may be the first to see it.
    public static func isDamage(_ error: any Error) -> Bool {
        guard let error = error as? DatabaseError else { return false }
        return error.resultCode == .SQLITE_CORRUPT || error.resultCode == .SQLITE_NOTADB
    }

    /// A read transaction whose damage errors say what to do (Specs/site-layout.md §9.7):
    /// nothing is answered from a damaged database; the answer is refused with a
    /// `CoreError` `.malformedFile` that names `careledger reindex`.
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.read(body)
        } catch where Self.isDamage(error) {
            throw damaged(error)
        }
    }

    /// The error a damaged database is reported with (no row contents in it).
    func damaged(_ error: any Error) -> CoreError {
        CoreError(.malformedFile, "the derived-state database is damaged; run `careledger reindex` to rebuild it from the log",
                  file: path, underlying: error)
    }

    /// Empties a database SQLite reports damaged, page by page without reading them
    /// (SQLite's backup of an empty database over it), so that a reset can rebuild it.
    func erase() throws {
        committedMark.withLock { $0 = nil }
        do {
            try pool.erase()
        } catch {
            throw damaged(error)
        }
    }
}
