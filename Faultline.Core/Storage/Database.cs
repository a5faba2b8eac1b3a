using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Faultline.Core.Storage;

/// <summary>
/// Opens connections for the configured backend with the per-connection settings it needs.
/// SQLite runs in WAL mode with synchronous=FULL: a commit is on disk before we acknowledge.
/// </summary>
public sealed class Database(SqlDialect dialect)
{
    public SqlDialect Dialect { get; } = dialect;

    /// <summary>"sqlite", "mariadb", "mysql" or "dolt" once probed; the dialect name before that.</summary>
    public string Backend { get; set; } = dialect.Name;
    public string? BackendVersion { get; set; }
    public bool IsDolt => Backend == "dolt";

    static Database() => SqlMapper.AddTypeHandler(new DateTimeMsHandler());

    public async Task<DbConnection> OpenAsync(CancellationToken ct = default)
    {
        var conn = Dialect.CreateConnection();
        try
        {
            await conn.OpenAsync(ct);
            if (conn is SqliteConnection)
                await conn.ExecuteAsync("PRAGMA synchronous=FULL; PRAGMA foreign_keys=OFF; PRAGMA busy_timeout=10000;");
            return conn;
        }
        catch
        {
            await conn.DisposeAsync();
            throw;
        }
    }

    public DbConnection Open()
    {
        var conn = Dialect.CreateConnection();
        try
        {
            conn.Open();
            if (conn is SqliteConnection)
                conn.Execute("PRAGMA synchronous=FULL; PRAGMA foreign_keys=OFF; PRAGMA busy_timeout=10000;");
            return conn;
        }
        catch
        {
            conn.Dispose();
            throw;
        }
    }

    /// <summary>Creates the SQLite file's folder and switches it to WAL (persistent per file).</summary>
    public static SqliteDialect Sqlite(string path)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var cs = new SqliteConnectionStringBuilder { DataSource = full, Pooling = true, DefaultTimeout = 30 }.ToString();
        using (var c = new SqliteConnection(cs))
        {
            c.Open();
            // Incremental auto-vacuum lets retention hand freed pages back to the file system. It can only be
            // chosen before the first table exists, so only new files get it; an existing file keeps its mode
            // until a one-off `VACUUM` after `PRAGMA auto_vacuum=INCREMENTAL` (README).
            if (c.ExecuteScalar<long>("SELECT COUNT(*) FROM sqlite_master") == 0)
                c.Execute("PRAGMA auto_vacuum=INCREMENTAL;");
            c.Execute("PRAGMA journal_mode=WAL;");
        }
        return new SqliteDialect(cs);
    }

    /// <summary>Times are unix milliseconds in every table.</summary>
    public static long Ms(DateTime utc) => new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)).ToUnixTimeMilliseconds();
    public static DateTime FromMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime;

    private sealed class DateTimeMsHandler : SqlMapper.TypeHandler<DateTime>
    {
        public override void SetValue(System.Data.IDbDataParameter parameter, DateTime value) => parameter.Value = Ms(value);
        public override DateTime Parse(object value) => FromMs(Convert.ToInt64(value));
    }
}
