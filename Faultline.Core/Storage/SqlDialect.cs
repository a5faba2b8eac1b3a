using System.Data.Common;
using Microsoft.Data.Sqlite;
using MySql.Data.MySqlClient;

namespace Faultline.Core.Storage;

/// <summary>
/// Every SQL difference between SQLite and the MySQL wire (Dolt, MariaDB, MySQL) lives here;
/// queries elsewhere are written once and splice these fragments in. Times are stored as
/// BIGINT unix milliseconds on every backend, so no date functions differ.
/// </summary>
public abstract class SqlDialect
{
    public abstract string Name { get; }
    /// <summary>Auto-increment 64-bit primary key column definition.</summary>
    public abstract string IdentityColumn { get; }
    /// <summary>Unbounded text (JSON documents, messages).</summary>
    public abstract string LongText { get; }
    public abstract string LongBlob { get; }
    /// <summary>Short indexed string of at most n characters.</summary>
    public abstract string Varchar(int n);
    /// <summary>Table options appended after the column list.</summary>
    public abstract string TableOptions { get; }
    /// <summary>"INSERT ... that silently skips rows violating a unique key".</summary>
    public abstract string InsertIgnore { get; }
    /// <summary>Upsert suffix adding <paramref name="column"/> of the new row to the existing one.</summary>
    public abstract string OnConflictAdd(string conflictColumns, string column);
    /// <summary>Upsert suffix overwriting <paramref name="columns"/> with the new row's values.</summary>
    public abstract string OnConflictSet(string conflictColumns, params string[] columns);
    /// <summary>Upsert suffix running <paramref name="assignments"/> on a key conflict.</summary>
    public abstract string OnConflictUpdate(string conflictColumns, string assignments);
    /// <summary>The would-be-inserted value of <paramref name="column"/> inside an upsert's assignments.</summary>
    public abstract string Excluded(string column);
    public abstract string LastInsertId { get; }
    /// <summary>
    /// Rows per multi-row statement. Small on SQLite: it resolves each named parameter by a linear
    /// scan (quadratic in parameters per statement) and has no round trips to save; large on the wire.
    /// </summary>
    public abstract int MultiRowLimit { get; }
    /// <summary>Greatest of two expressions (MAX() is an aggregate in SQLite's two-arg form only).</summary>
    public abstract string Greatest(string a, string b);
    public abstract string Least(string a, string b);
    public abstract DbConnection CreateConnection();
    public abstract string CreateIndex(string name, string table, string columns);

    /// <summary>
    /// True when a DDL statement failed only because its table/index already exists. MySQL DDL is not
    /// transactional, so a migration interrupted half-way leaves objects behind; re-running skips them.
    /// </summary>
    public abstract bool IsAlreadyExists(DbException error);

    /// <summary>
    /// True when <paramref name="error"/> means the database cannot be reached (server down, connection
    /// refused or lost), as opposed to a problem with the data: ingest then answers 503 instead of retrying
    /// event by event.
    /// </summary>
    public abstract bool IsUnavailable(Exception error);

    /// <summary>Drops pooled connections, which are all dead after a server restart.</summary>
    public abstract void ResetPool();

    /// <summary>One row, one column: bytes used by the current database.</summary>
    public abstract string DatabaseSizeSql { get; }

    /// <summary>
    /// Takes the migration lock (returns 1 when taken), or null where transactions already serialize
    /// migrations (SQLite: BEGIN IMMEDIATE). The lock is named per database: several share one server.
    /// </summary>
    public abstract string? AcquireMigrationLock { get; }
    public abstract string? ReleaseMigrationLock { get; }

    /// <summary>
    /// Gives space freed by deletions back after retention. SQLite: truncate the WAL and release free pages
    /// (incremental vacuum, a chunk at a time); servers manage their own files, so nothing there.
    /// </summary>
    public virtual Task CompactAsync(DbConnection conn, CancellationToken ct) => Task.CompletedTask;
}

public sealed class SqliteDialect(string connectionString) : SqlDialect
{
    public string ConnectionString { get; } = connectionString;
    public override string Name => "sqlite";
    public override string IdentityColumn => "INTEGER PRIMARY KEY AUTOINCREMENT";
    public override string LongText => "TEXT";
    public override string LongBlob => "BLOB";
    public override string Varchar(int n) => "TEXT";
    public override string TableOptions => "";
    public override string InsertIgnore => "INSERT OR IGNORE";
    public override string OnConflictAdd(string conflictColumns, string column) =>
        $"ON CONFLICT({conflictColumns}) DO UPDATE SET {column} = {column} + excluded.{column}";
    public override string OnConflictSet(string conflictColumns, params string[] columns) =>
        $"ON CONFLICT({conflictColumns}) DO UPDATE SET " + string.Join(", ", columns.Select(c => $"{c} = excluded.{c}"));
    public override string OnConflictUpdate(string conflictColumns, string assignments) =>
        $"ON CONFLICT({conflictColumns}) DO UPDATE SET {assignments}";
    public override string Excluded(string column) => $"excluded.{column}";
    public override string LastInsertId => "SELECT last_insert_rowid()";
    // One prepared single-row statement, re-executed per row: SQLite has no round trip to save, and it
    // looks named parameters up by a linear scan, so a 50-row statement (600 parameters) cost more in
    // strncmp than in writing (perf: ≈4 % of server CPU under load).
    public override int MultiRowLimit => 1;
    public override string Greatest(string a, string b) => $"MAX({a}, {b})";
    public override string Least(string a, string b) => $"MIN({a}, {b})";
    public override DbConnection CreateConnection() => new SqliteConnection(ConnectionString);
    public override string CreateIndex(string name, string table, string columns) =>
        $"CREATE INDEX IF NOT EXISTS {name} ON {table} ({columns})";
    // SQLite DDL is transactional: a failed migration leaves nothing behind to skip.
    public override bool IsAlreadyExists(DbException error) => false;
    // An embedded file is never "unreachable"; I/O errors are real failures (disk full, permissions).
    public override bool IsUnavailable(Exception error) => false;
    public override void ResetPool() => SqliteConnection.ClearAllPools();
    public override string DatabaseSizeSql => "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()";
    public override string? AcquireMigrationLock => null;
    public override string? ReleaseMigrationLock => null;

    public override async Task CompactAsync(DbConnection conn, CancellationToken ct)
    {
        // Needs auto_vacuum=INCREMENTAL (set for new files in Database.Sqlite); without it this is a no-op.
        // Chunks keep each write lock short so the batch writer is never held up for long.
        for (var i = 0; i < 1000 && await Dapper.SqlMapper.ExecuteScalarAsync<long>(conn, "PRAGMA freelist_count") > 0; i++)
        {
            await Dapper.SqlMapper.ExecuteAsync(conn, "PRAGMA incremental_vacuum(2000)");
            await Task.Delay(10, ct);
        }
        await Dapper.SqlMapper.ExecuteAsync(conn, "PRAGMA wal_checkpoint(TRUNCATE)");
    }
}

public sealed class MySqlDialect : SqlDialect
{
    public MySqlDialect(string connectionString)
    {
        // MariaDB ≥ 10.6 / MySQL ≥ 8.0.30 report utf8mb3, which MySql.Data 8.0.16 cannot map.
        MySql.MySqlCharsetFix.Apply();
        ConnectionString = connectionString;
    }

    public string ConnectionString { get; }
    public override string Name => "mysql";
    public override string IdentityColumn => "BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY";
    public override string LongText => "LONGTEXT";
    public override string LongBlob => "LONGBLOB";
    public override string Varchar(int n) => $"VARCHAR({n})";
    public override string TableOptions => " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";
    public override string InsertIgnore => "INSERT IGNORE";
    public override string OnConflictAdd(string conflictColumns, string column) =>
        $"ON DUPLICATE KEY UPDATE {column} = {column} + VALUES({column})";
    public override string OnConflictSet(string conflictColumns, params string[] columns) =>
        "ON DUPLICATE KEY UPDATE " + string.Join(", ", columns.Select(c => $"{c} = VALUES({c})"));
    public override string OnConflictUpdate(string conflictColumns, string assignments) =>
        $"ON DUPLICATE KEY UPDATE {assignments}";
    public override string Excluded(string column) => $"VALUES({column})";
    public override string LastInsertId => "SELECT LAST_INSERT_ID()";
    public override int MultiRowLimit => 200;
    public override string Greatest(string a, string b) => $"GREATEST({a}, {b})";
    public override string Least(string a, string b) => $"LEAST({a}, {b})";
    public override DbConnection CreateConnection() => new MySqlConnection(ConnectionString);
    // MySQL has no CREATE INDEX IF NOT EXISTS (MariaDB does); migrations run once, so plain form is fine.
    public override string CreateIndex(string name, string table, string columns) =>
        $"CREATE INDEX {name} ON {table} ({columns})";

    // 1050 table exists, 1061 duplicate key name.
    public override bool IsAlreadyExists(DbException error) => error is MySqlException { Number: 1050 or 1061 };

    public override bool IsUnavailable(Exception error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                // 1042 unable to connect, 2006 server gone away, 2013 lost connection during query,
                // 1053 server shutdown in progress, 1927 connection killed (MariaDB). Number 0 is any
                // driver-side error (even a bad parameter), so it only counts through an I/O inner exception.
                case MySqlException { Number: 1042 or 1053 or 1927 or 2006 or 2013 }:
                case System.Net.Sockets.SocketException:
                case IOException:
                case TimeoutException:
                    return true;
                // MySql.Data reports a pooled connection killed by a server restart this way.
                case InvalidOperationException when e.Message.Contains("Connection must be valid and open", StringComparison.Ordinal):
                    return true;
            }
        }
        return false;
    }

    public override void ResetPool() => MySqlConnection.ClearAllPools();
    public override string DatabaseSizeSql =>
        "SELECT COALESCE(SUM(data_length + index_length), 0) FROM information_schema.TABLES WHERE table_schema = DATABASE()";
    public override string? AcquireMigrationLock => "SELECT GET_LOCK(CONCAT('faultline_migrate:', DATABASE()), 60)";
    public override string? ReleaseMigrationLock => "SELECT RELEASE_LOCK(CONCAT('faultline_migrate:', DATABASE()))";
}
