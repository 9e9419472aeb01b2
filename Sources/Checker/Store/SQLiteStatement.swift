import CSQLite

/// A compiled SQL statement. The statement owns the `sqlite3_stmt` pointer
/// from `sqlite3_prepare_v2` and finalizes it in `deinit`.
///
/// Parameters are numbered from 1 and columns from 0, as in the SQLite C
/// interface.
final class SQLiteStatement {
    /// Kept so the connection stays open while this statement exists.
    let connection: SQLiteConnection
    let sql: String
    private let handle: OpaquePointer

    /// Takes over `handle`, which must come from `sqlite3_prepare_v2` on
    /// `connection`.
    init(connection: SQLiteConnection, handle: OpaquePointer, sql: String) {
        self.connection = connection
        self.handle = handle
        self.sql = sql
    }

    deinit {
        // sqlite3_finalize repeats the last step's error, which step()
        // has already thrown.
        sqlite3_finalize(handle)
    }

    // MARK: Binding

    /// Resets the statement so it can run again and clears its parameters.
    func reset() throws {
        // sqlite3_reset repeats the last step's error, which step() has
        // already thrown, so its status is not checked here.
        sqlite3_reset(handle)
        try connection.check(sqlite3_clear_bindings(handle), "clear bindings")
    }

    func bind(_ value: Int64, at index: Int32) throws {
        try connection.check(sqlite3_bind_int64(handle, index, value), "bind of parameter \(index)")
    }

    func bind(_ value: Bool, at index: Int32) throws {
        try bind(value ? Int64(1) : 0, at: index)
    }

    /// Binds a finite `value`. SQLite stores NaN as NULL, so callers bind
    /// non-finite values through `bind(_:at:nonfiniteAt:)`.
    func bind(_ value: Double, at index: Int32) throws {
        try connection.check(
            sqlite3_bind_double(handle, index, value), "bind of parameter \(index)")
    }

    func bind(_ value: String, at index: Int32) throws {
        let status = sqlite3_bind_text(handle, index, value, -1, csqlite_transient())
        try connection.check(status, "bind of parameter \(index)")
    }

    func bindNull(at index: Int32) throws {
        try connection.check(sqlite3_bind_null(handle, index), "bind of parameter \(index)")
    }

    func bind(_ value: String?, at index: Int32) throws {
        if let value { try bind(value, at: index) } else { try bindNull(at: index) }
    }

    func bind(_ value: Int64?, at index: Int32) throws {
        if let value { try bind(value, at: index) } else { try bindNull(at: index) }
    }

    /// Binds a possibly non-finite `value` to two parameters: the number at
    /// `index`, NULL when `value` is NaN or infinite, and at `nonfiniteAt`
    /// the text "nan", "inf" or "-inf", NULL when `value` is finite. A nil
    /// `value` binds NULL to both.
    func bind(_ value: Double?, at index: Int32, nonfiniteAt nonfiniteIndex: Int32) throws {
        guard let value else {
            try bindNull(at: index)
            try bindNull(at: nonfiniteIndex)
            return
        }
        if value.isFinite {
            try bind(value, at: index)
            try bindNull(at: nonfiniteIndex)
        } else {
            try bindNull(at: index)
            try bind(NonfiniteReal.text(for: value), at: nonfiniteIndex)
        }
    }

    // MARK: Stepping

    /// Advances to the next row. Returns false when the statement is done.
    @discardableResult
    func step() throws -> Bool {
        let status = sqlite3_step(handle)
        try connection.check(
            status, "step of \(SQLiteConnection.firstLine(sql))", accepted: [SQLITE_ROW, SQLITE_DONE])
        return status == SQLITE_ROW
    }

    // MARK: Columns

    func isNull(_ column: Int32) -> Bool {
        sqlite3_column_type(handle, column) == SQLITE_NULL
    }

    func int64(_ column: Int32) -> Int64 {
        sqlite3_column_int64(handle, column)
    }

    func double(_ column: Int32) -> Double {
        sqlite3_column_double(handle, column)
    }

    func string(_ column: Int32) -> String {
        guard let text = sqlite3_column_text(handle, column) else { return "" }
        return String(cString: text)
    }

    func optionalString(_ column: Int32) -> String? {
        isNull(column) ? nil : string(column)
    }

    func optionalInt64(_ column: Int32) -> Int64? {
        isNull(column) ? nil : int64(column)
    }

    /// Reads a value written by `bind(_:at:nonfiniteAt:)`: the number at
    /// `column`, else the non-finite text at `nonfiniteColumn`, else nil.
    /// - Throws: `SQLiteError` when the text is not "nan", "inf" or "-inf".
    func optionalDouble(_ column: Int32, nonfiniteColumn: Int32) throws -> Double? {
        if !isNull(column) { return double(column) }
        guard let text = optionalString(nonfiniteColumn) else { return nil }
        guard let value = NonfiniteReal.value(for: text) else {
            throw SQLiteError(
                path: connection.path, operation: "read of column \(nonfiniteColumn)",
                code: SQLITE_MISMATCH,
                message: "invalid non-finite marker \"\(text)\"; expected nan, inf or -inf")
        }
        return value
    }
}

/// The text markers of non-finite numbers in the store.
enum NonfiniteReal {
    static func text(for value: Double) -> String {
        if value.isNaN { return "nan" }
        return value < 0 ? "-inf" : "inf"
    }

    static func value(for text: String) -> Double? {
        switch text {
        case "nan": return .nan
        case "inf": return .infinity
        case "-inf": return -.infinity
        default: return nil
        }
    }
}
