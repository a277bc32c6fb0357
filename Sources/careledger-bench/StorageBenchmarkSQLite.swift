import CSQLite

/// The SQLite baseline of the storage benchmark: WAL, `synchronous=FULL`, prepared statements.
///
/// The table keeps what the segment log keeps, with the same lookups: a rowid in append
/// order (the ordinal), a unique index on the 32-byte key, and the value.
final class StorageBenchmarkSQLite {
    private var database: OpaquePointer?
    let path: String

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    init(path: String) throws {
        self.path = path
        guard sqlite3_open_v2(path, &database, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nil) == SQLITE_OK else {
            throw Failure(description: "sqlite3_open \(path) failed")
        }
    }

    deinit { sqlite3_close_v2(database) }

    func execute(_ sql: String) throws {
        var message: UnsafeMutablePointer<CChar>?
        guard sqlite3_exec(database, sql, nil, nil, &message) == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? "unknown"
            sqlite3_free(message)
            throw Failure(description: "sqlite: \(text) in \(sql)")
        }
    }

    func createSchema() throws {
        try execute("PRAGMA journal_mode=WAL")
        try execute("PRAGMA synchronous=FULL")
        try execute("CREATE TABLE records (ordinal INTEGER PRIMARY KEY, key BLOB NOT NULL UNIQUE, value BLOB NOT NULL)")
    }

    /// Inserts one batch in one transaction; it is durable when this returns (WAL fsync at commit).
    func insert(_ batch: ArraySlice<(key: [UInt8], value: [UInt8])>, statement: OpaquePointer?) throws {
        try execute("BEGIN")
        for record in batch {
            // The bound buffers stay valid until the step inside the closures (SQLITE_STATIC).
            let result = record.key.withUnsafeBytes { key in
                record.value.withUnsafeBytes { value -> Int32 in
                    guard sqlite3_bind_blob(statement, 1, key.baseAddress, 32, nil) == SQLITE_OK,
                        sqlite3_bind_blob(statement, 2, value.baseAddress, Int32(value.count), nil) == SQLITE_OK
                    else { return SQLITE_ERROR }
                    return sqlite3_step(statement)
                }
            }
            guard result == SQLITE_DONE else {
                throw Failure(description: "insert failed: \(String(cString: sqlite3_errmsg(database)))")
            }
            sqlite3_reset(statement)
        }
        try execute("COMMIT")
    }

    func prepare(_ sql: String) throws -> OpaquePointer? {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(database, sql, -1, &statement, nil) == SQLITE_OK else {
            throw Failure(description: "prepare failed: \(String(cString: sqlite3_errmsg(database)))")
        }
        return statement
    }

    func finalize(_ statement: OpaquePointer?) { sqlite3_finalize(statement) }

    /// Reads every row in ordinal order, touching each key and value; returns (rows, value bytes).
    func scanAll() throws -> (rows: Int, bytes: Int, check: UInt64) {
        let statement = try prepare("SELECT key, value FROM records ORDER BY ordinal")
        defer { sqlite3_finalize(statement) }
        var rows = 0
        var bytes = 0
        var check: UInt64 = 0
        while sqlite3_step(statement) == SQLITE_ROW {
            let count = Int(sqlite3_column_bytes(statement, 1))
            if let value = sqlite3_column_blob(statement, 1)?.assumingMemoryBound(to: UInt8.self), count > 0 {
                check &+= UInt64(value[0]) &+ UInt64(value[count - 1])
            }
            if let key = sqlite3_column_blob(statement, 0)?.assumingMemoryBound(to: UInt8.self) { check &+= UInt64(key[0]) }
            bytes += count
            rows += 1
        }
        return (rows, bytes, check)
    }

    /// The largest ordinal, which makes SQLite read its schema and the table's root page.
    func lastOrdinal() throws -> Int64 {
        let statement = try prepare("SELECT max(ordinal) FROM records")
        defer { sqlite3_finalize(statement) }
        guard sqlite3_step(statement) == SQLITE_ROW else { throw Failure(description: "max(ordinal) failed") }
        return sqlite3_column_int64(statement, 0)
    }
}
