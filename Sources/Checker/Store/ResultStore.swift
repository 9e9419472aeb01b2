import CSQLite
import Foundation

/// The history of runs in an SQLite file: one row per run, per property
/// and per case.
///
/// The store keeps verdicts, worst ratios, replay commands and every case
/// of the predicate and its negative control. Figures, exponent fits, plots
/// and notes stay in the report's results.json only.
///
/// The file uses write-ahead logging, so readers do not block a writer, and
/// a busy timeout, so two runs that finish together wait for each other
/// instead of failing. Not thread-safe: use one store from one thread at a
/// time, or open one store per thread.
public final class ResultStore {
    /// The database file.
    public let path: String
    let connection: SQLiteConnection

    /// Opens the store at `path`, creating the file and its parent folders
    /// when they do not exist, and migrates an older schema to
    /// `currentSchemaVersion`.
    /// - Parameter busyTimeout: How long a statement waits for another
    ///   process's write lock. Recording a run takes milliseconds, so the
    ///   default of 5 seconds covers several runs finishing together.
    /// - Throws: `SQLiteError`, naming `path`, when the folder or file cannot
    ///   be created or opened, when the file is not an SQLite database, when
    ///   it does not accept WAL mode, or when its schema is newer than this
    ///   build.
    public init(path: String, busyTimeout: Duration = .seconds(5)) throws {
        self.path = path
        try Self.createParentFolder(of: path)
        connection = try SQLiteConnection(path: path)
        try connection.setBusyTimeout(busyTimeout)
        try enableWriteAheadLog()
        try connection.execute("PRAGMA foreign_keys = ON")
        try migrate()
    }

    private static func createParentFolder(of path: String) throws {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw SQLiteError(
                path: path, operation: "creation of folder \(folder.path)",
                code: SQLITE_CANTOPEN, message: "\(error.localizedDescription)")
        }
    }

    private func enableWriteAheadLog() throws {
        let statement = try connection.prepare("PRAGMA journal_mode = WAL")
        try statement.step()
        let mode = statement.string(0)
        guard mode.lowercased() == "wal" else {
            throw SQLiteError(
                path: path, operation: "PRAGMA journal_mode = WAL", code: SQLITE_ERROR,
                message: "the journal mode stayed \"\(mode)\"; the file system may not "
                    + "support WAL, so store the file on a local disk")
        }
    }

    // MARK: Schema version

    /// Runs every migration newer than the stored schema version, each in
    /// its own transaction. The version is read inside the transaction, so
    /// two processes opening a new file at once apply each step once.
    private func migrate() throws {
        try connection.execute(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        for migration in Self.migrations {
            try connection.transaction {
                let stored = try storedSchemaVersion()
                guard stored < migration.version else { return }
                guard stored == migration.version - 1 else {
                    throw SQLiteError(
                        path: path, operation: "migration", code: SQLITE_ERROR,
                        message: "schema version \(stored) has no migration to \(migration.version)"
                    )
                }
                try connection.execute(migration.sql)
                try setStoredSchemaVersion(migration.version)
            }
        }
        let stored = try storedSchemaVersion()
        guard stored == Self.currentSchemaVersion else {
            throw SQLiteError(
                path: path, operation: "migration", code: SQLITE_ERROR,
                message: "schema version \(stored) is newer than version "
                    + "\(Self.currentSchemaVersion) of this build; use a newer spectral-check")
        }
    }

    /// Returns the schema version stored in the file, 0 before the first
    /// migration.
    public func storedSchemaVersion() throws -> Int {
        let statement = try connection.prepare("SELECT max(version) FROM schema_version")
        try statement.step()
        return statement.isNull(0) ? 0 : Int(statement.int64(0))
    }

    private func setStoredSchemaVersion(_ version: Int) throws {
        try connection.execute("DELETE FROM schema_version")
        let statement = try connection.prepare("INSERT INTO schema_version (version) VALUES (?1)")
        try statement.bind(Int64(version), at: 1)
        try statement.step()
    }
}
