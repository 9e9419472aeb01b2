extension ResultStore {
    /// One step of the schema: the SQL that takes a store from
    /// `version - 1` to `version`.
    struct Migration {
        var version: Int
        var sql: String
    }

    /// The schema version this build writes and reads.
    public static let currentSchemaVersion = 1

    /// Every migration, in ascending version order. A new schema version
    /// appends a step here and never edits an earlier one, because stores
    /// written by earlier builds have already run it.
    static let migrations: [Migration] = [
        Migration(version: 1, sql: schemaVersion1)
    ]

    /// The first schema.
    ///
    /// - Seeds are UInt64, which SQLite's signed 64-bit integers cannot
    ///   hold above 2^63 - 1, so `base_seed` and `seed` are decimal text.
    /// - A number that may be NaN or infinite is two columns: the REAL
    ///   value, NULL when it is not finite, and `<name>_nonfinite`, which is
    ///   "nan", "inf" or "-inf" then and NULL otherwise. SQLite itself turns
    ///   a bound NaN into NULL, so without the second column a NaN measured
    ///   value would read back as a missing one. The CHECK constraints reject
    ///   a row that sets both or, for required values, neither.
    /// - `cases.predicate` and `cases.verdict` repeat the property's, so a
    ///   query over cases needs no join.
    static let schemaVersion1 = """
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            started_at TEXT NOT NULL,
            profile TEXT NOT NULL,
            base_seed TEXT NOT NULL,
            version TEXT NOT NULL,
            seconds REAL NOT NULL,
            exit_code INTEGER NOT NULL,
            host TEXT NOT NULL
        );
        CREATE INDEX runs_by_profile ON runs (profile, id);

        CREATE TABLE properties (
            run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            property_id TEXT NOT NULL,
            predicate TEXT NOT NULL,
            verdict TEXT NOT NULL,
            worst_ratio REAL,
            worst_ratio_nonfinite TEXT,
            seconds REAL NOT NULL,
            replay_command TEXT NOT NULL,
            error_message TEXT,
            PRIMARY KEY (run_id, property_id),
            CHECK (worst_ratio IS NULL OR worst_ratio_nonfinite IS NULL)
        );
        CREATE INDEX properties_by_property ON properties (property_id, run_id);

        CREATE TABLE cases (
            run_id INTEGER NOT NULL,
            property_id TEXT NOT NULL,
            predicate TEXT NOT NULL,
            verdict TEXT NOT NULL,
            is_control INTEGER NOT NULL CHECK (is_control IN (0, 1)),
            case_index INTEGER NOT NULL,
            label TEXT NOT NULL,
            seed TEXT,
            measured REAL,
            measured_nonfinite TEXT,
            bound REAL,
            bound_nonfinite TEXT,
            tolerance REAL,
            tolerance_nonfinite TEXT,
            direction TEXT NOT NULL,
            passed INTEGER NOT NULL CHECK (passed IN (0, 1)),
            statement TEXT NOT NULL,
            PRIMARY KEY (run_id, property_id, is_control, case_index),
            FOREIGN KEY (run_id, property_id)
                REFERENCES properties (run_id, property_id) ON DELETE CASCADE,
            CHECK ((measured IS NULL) <> (measured_nonfinite IS NULL)),
            CHECK ((bound IS NULL) <> (bound_nonfinite IS NULL)),
            CHECK ((tolerance IS NULL) <> (tolerance_nonfinite IS NULL))
        );
        """
}
