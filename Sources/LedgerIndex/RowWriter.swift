import CSQLite
import GRDB
import LedgerCore

/// The statements ``SiteIndex/apply(_:voided:)`` runs once per record (an `entries` row, a
/// consent version's or a decision's rows), prepared once per transaction on its connection
/// and bound through SQLite's C API.
///
/// Why: at 10^6 entries a catch-up from a mirror runs about two million of them, and GRDB's
/// argument arrays (a `DatabaseValue` per column, a `Data` per hash) cost more than SQLite's
/// own insert (Specs/static-log.md §11.3). The values bound are the ones GRDB binds for the
/// same Swift values: integers as INTEGER, text as UTF-8 TEXT, hashes and byte strings as
/// BLOB (an empty one as a zero-length BLOB, never NULL), nil as NULL.
final class RowWriter {
    private let connection: OpaquePointer
    /// The statements run so far, by slot (``IndexRowSQL``'s), prepared at their first use.
    private var slots = [OpaquePointer?](repeating: nil, count: IndexRowSQL.all.count)

    /// A writer on `db`'s connection; its statements live until it is released, which must
    /// happen inside the transaction's closure (before GRDB gives the connection to another use).
    init(_ db: Database) throws {
        guard let connection = db.sqliteConnection else {
            throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "the index's connection is closed")
        }
        self.connection = connection
    }

    deinit {
        for case let statement? in slots { sqlite3_finalize(statement) }
    }

    /// Runs `sql` (a statement that returns no rows) once, its parameters bound by `bind` in
    /// order; the statement is found by its slot.
    /// - Throws: `DatabaseError` with SQLite's code and message (a constraint, a full disk).
    func run(_ sql: RowSQL, _ bind: (inout Binder) -> Void) throws {
        try step(try bound(sql, bind), sql.text)
    }

    private func step(_ statement: OpaquePointer, _ sql: String) throws {
        let code = sqlite3_step(statement)
        guard code == SQLITE_DONE || code == SQLITE_ROW else { throw stepFailure(code, statement, sql) }
        sqlite3_reset(statement)
    }

    /// Runs `sql` (a statement with a `RETURNING` clause of one integer) once and returns the
    /// first row's integer (nil when it returns no row or NULL); every row is stepped through.
    /// - Throws: `DatabaseError` as ``run(_:_:)``.
    func runReturningInteger(_ sql: RowSQL, _ bind: (inout Binder) -> Void) throws -> Int64? {
        let statement = try bound(sql, bind)
        var value: Int64?
        var first = true
        while true {
            let code = sqlite3_step(statement)
            if code == SQLITE_DONE { break }
            guard code == SQLITE_ROW else { throw stepFailure(code, statement, sql.text) }
            if first && sqlite3_column_type(statement, 0) != SQLITE_NULL { value = sqlite3_column_int64(statement, 0) }
            first = false
        }
        sqlite3_reset(statement)
        return value
    }

    /// `sql`'s statement (prepared once per writer) with its parameters bound by `bind`, ready to step.
    private func bound(_ sql: RowSQL, _ bind: (inout Binder) -> Void) throws -> OpaquePointer {
        let statement = try prepared(sql)
        var binder = Binder(statement: statement)
        bind(&binder)
        guard binder.failure == SQLITE_OK else {
            sqlite3_reset(statement)
            throw DatabaseError(resultCode: ResultCode(rawValue: binder.failure), message: "cannot bind a parameter", sql: sql.text)
        }
        return statement
    }

    /// The error of a step that failed with `code`, the statement reset for its next use.
    private func stepFailure(_ code: Int32, _ statement: OpaquePointer, _ sql: String) -> DatabaseError {
        let message = String(cString: sqlite3_errmsg(connection))
        sqlite3_reset(statement)
        return DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: sql)
    }

    /// `sql`'s statement, prepared on the writer's connection at its first use.
    private func prepared(_ sql: RowSQL) throws -> OpaquePointer {
        if let statement = slots[sql.slot] { return statement }
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v2(connection, sql.text, -1, &statement, nil)
        guard code == SQLITE_OK, let statement else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(connection)), sql: sql.text)
        }
        slots[sql.slot] = statement
        return statement
    }

    /// Binds one statement's parameters, 1 up, as GRDB binds the same Swift values.
    struct Binder {
        let statement: OpaquePointer
        var index: Int32 = 1
        /// The first binding's error code (`SQLITE_OK` when none failed).
        var failure: Int32 = SQLITE_OK

        private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

        private mutating func note(_ code: Int32) {
            if code != SQLITE_OK && failure == SQLITE_OK { failure = code }
            index += 1
        }

        /// An INTEGER.
        mutating func int(_ value: Int64) { note(sqlite3_bind_int64(statement, index, value)) }

        /// An INTEGER.
        mutating func int(_ value: Int) { int(Int64(value)) }

        /// An INTEGER (1 or 0), as GRDB binds a `Bool`.
        mutating func bool(_ value: Bool) { int(Int64(value ? 1 : 0)) }

        /// An INTEGER or NULL.
        mutating func int(_ value: Int64?) {
            if let value { int(value) } else { null() }
        }

        /// NULL.
        mutating func null() { note(sqlite3_bind_null(statement, index)) }

        /// The hash's 32 bytes as a BLOB (as `Data(hash.bytes)`).
        mutating func hash(_ value: Hash32) {
            var words = (value.w0.bigEndian, value.w1.bigEndian, value.w2.bigEndian, value.w3.bigEndian)
            let code = withUnsafeBytes(of: &words) { sqlite3_bind_blob(statement, index, $0.baseAddress, 32, Self.transient) }
            note(code)
        }

        /// A BLOB; an empty one is a zero-length BLOB, not NULL.
        mutating func blob(_ bytes: [UInt8]) {
            if bytes.isEmpty { return note(sqlite3_bind_zeroblob(statement, index, 0)) }
            let code = bytes.withUnsafeBytes { sqlite3_bind_blob(statement, index, $0.baseAddress, Int32($0.count), Self.transient) }
            note(code)
        }

        /// UTF-8 TEXT.
        mutating func text(_ value: String) {
            var value = value
            let code = value.withUTF8 { utf8 -> Int32 in
                guard let base = utf8.baseAddress, utf8.count > 0 else { return sqlite3_bind_text(statement, index, "", 0, Self.transient) }
                return sqlite3_bind_text(statement, index, UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self), Int32(utf8.count), Self.transient)
            }
            note(code)
        }

        /// UTF-8 TEXT or NULL.
        mutating func text(_ value: String?) {
            if let value { text(value) } else { null() }
        }
    }
}
