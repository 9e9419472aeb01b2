import CSQLite

/// An open SQLite database handle. The connection owns the `sqlite3`
/// pointer from `sqlite3_open_v2` and closes it in `deinit`.
///
/// Not thread-safe: use one connection from one thread at a time.
final class SQLiteConnection {
    let path: String
    private let handle: OpaquePointer

    /// Opens or creates the database file at `path` for reading and writing.
    /// - Throws: `SQLiteError` with the `sqlite3_errmsg` text when the file
    ///   cannot be opened or created.
    init(path: String) throws {
        var opened: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
        let status = sqlite3_open_v2(path, &opened, flags, nil)
        guard status == SQLITE_OK, let opened else {
            // sqlite3_open_v2 allocates a handle even when it fails, so the
            // error text is read from it before it is closed.
            let message =
                opened.map { String(cString: sqlite3_errmsg($0)) }
                ?? String(cString: sqlite3_errstr(status))
            sqlite3_close_v2(opened)
            throw SQLiteError(path: path, operation: "open", code: status, message: message)
        }
        self.path = path
        self.handle = opened
        sqlite3_extended_result_codes(opened, 1)
    }

    deinit {
        // Statements hold a strong reference to their connection, so every
        // statement is finalized before this runs.
        sqlite3_close_v2(handle)
    }

    /// Throws an `SQLiteError` with the connection's `sqlite3_errmsg` text
    /// unless `status` is one of `accepted`.
    func check(_ status: Int32, _ operation: String, accepted: [Int32] = [SQLITE_OK]) throws {
        guard !accepted.contains(status) else { return }
        throw error(status, operation)
    }

    /// Returns an `SQLiteError` for `status` with the connection's
    /// `sqlite3_errmsg` text.
    func error(_ status: Int32, _ operation: String) -> SQLiteError {
        SQLiteError(
            path: path, operation: operation, code: status,
            message: String(cString: sqlite3_errmsg(handle)))
    }

    /// Sets how long a statement waits for another connection's lock
    /// before it fails with `SQLITE_BUSY`.
    func setBusyTimeout(_ timeout: Duration) throws {
        let milliseconds =
            timeout.components.seconds * 1000
            + timeout.components.attoseconds / 1_000_000_000_000_000
        let clamped = Int32(clamping: max(milliseconds, 0))
        try check(sqlite3_busy_timeout(handle, clamped), "busy timeout")
    }

    /// Compiles one SQL statement.
    func prepare(_ sql: String) throws -> SQLiteStatement {
        var statement: OpaquePointer?
        let status = sqlite3_prepare_v2(handle, sql, -1, &statement, nil)
        guard status == SQLITE_OK else {
            sqlite3_finalize(statement)
            throw error(status, "prepare of \(Self.firstLine(sql))")
        }
        guard let statement else {
            throw SQLiteError(
                path: path, operation: "prepare of \(Self.firstLine(sql))",
                code: SQLITE_MISUSE, message: "the SQL text contains no statement")
        }
        return SQLiteStatement(connection: self, handle: statement, sql: sql)
    }

    /// Runs SQL text that returns no rows, such as a schema script.
    func execute(_ sql: String) throws {
        var errorText: UnsafeMutablePointer<CChar>?
        let status = sqlite3_exec(handle, sql, nil, nil, &errorText)
        defer { sqlite3_free(errorText) }
        guard status == SQLITE_OK else {
            let message =
                errorText.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            throw SQLiteError(
                path: path, operation: "execute of \(Self.firstLine(sql))",
                code: status, message: message)
        }
    }

    /// Runs `body` inside `BEGIN IMMEDIATE` … `COMMIT`, and rolls back when
    /// `body` or the commit throws. `IMMEDIATE` takes the write lock at the
    /// start, so a concurrent writer waits for the busy timeout instead of
    /// failing halfway through the transaction.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            // The rollback error, if any, is secondary to the one thrown.
            _ = sqlite3_exec(handle, "ROLLBACK", nil, nil, nil)
            throw error
        }
    }

    /// The row id of the last successful `INSERT` on this connection.
    var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Returns the first line of `sql`, at most 60 characters, for messages.
    static func firstLine(_ sql: String) -> String {
        let trimmed = sql.drop { $0 == " " || $0 == "\n" }
        return String(trimmed.prefix { $0 != "\n" }.prefix(60))
    }
}
