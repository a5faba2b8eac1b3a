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
    public abstract string LastInsertId { get; }
    /// <summary>Greatest of two expressions (MAX() is an aggregate in SQLite's two-arg form only).</summary>
    public abstract string Greatest(string a, string b);
    public abstract string Least(string a, string b);
    public abstract DbConnection CreateConnection();
    public abstract string CreateIndex(string name, string table, string columns);
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
    public override string LastInsertId => "SELECT last_insert_rowid()";
    public override string Greatest(string a, string b) => $"MAX({a}, {b})";
    public override string Least(string a, string b) => $"MIN({a}, {b})";
    public override DbConnection CreateConnection() => new SqliteConnection(ConnectionString);
    public override string CreateIndex(string name, string table, string columns) =>
        $"CREATE INDEX IF NOT EXISTS {name} ON {table} ({columns})";
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
    public override string LastInsertId => "SELECT LAST_INSERT_ID()";
    public override string Greatest(string a, string b) => $"GREATEST({a}, {b})";
    public override string Least(string a, string b) => $"LEAST({a}, {b})";
    public override DbConnection CreateConnection() => new MySqlConnection(ConnectionString);
    // MySQL has no CREATE INDEX IF NOT EXISTS (MariaDB does); migrations run once, so plain form is fine.
    public override string CreateIndex(string name, string table, string columns) =>
        $"CREATE INDEX {name} ON {table} ({columns})";
}
