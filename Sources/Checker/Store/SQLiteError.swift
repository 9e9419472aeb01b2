import CSQLite

/// A failed SQLite call, with the `sqlite3_errmsg` text and the database
/// file it concerned.
public struct SQLiteError: Error, CustomStringConvertible, Equatable {
    /// The database file, as passed to `ResultStore(path:)`.
    public let path: String
    /// The failed step, for example "open", "prepare of SELECT …" or
    /// "creation of folder /data/reports".
    public let operation: String
    /// The SQLite result code. A failure this module detects itself carries
    /// the closest code: `SQLITE_CANTOPEN` for a folder that cannot be
    /// created, `SQLITE_MISMATCH` for an invalid stored value and
    /// `SQLITE_ERROR` otherwise.
    public let code: Int32
    /// The `sqlite3_errmsg` text, or this module's own explanation.
    public let message: String

    public init(path: String, operation: String, code: Int32, message: String) {
        self.path = path
        self.operation = operation
        self.code = code
        self.message = message
    }

    public var description: String {
        "\(operation) failed for SQLite file \(path): \(message) (code \(code))"
    }
}
