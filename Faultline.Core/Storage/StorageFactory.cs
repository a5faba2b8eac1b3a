using Dapper;
using Faultline.Core.Config;
using Microsoft.Extensions.Logging;

namespace Faultline.Core.Storage;

/// <summary>Chooses the backend from FAULTLINE_DSN and reports which one is in use.</summary>
public static class StorageFactory
{
    public static SqlDialect CreateDialect(FaultlineOptions o) => o.StorageKind switch
    {
        "mysql" => new MySqlDialect(MySqlConnectionStrings.FromDsn(o.MySqlDsn!)),
        _ => Database.Sqlite(o.SqlitePath),
    };

    /// <summary>Detects SQLite / MariaDB / MySQL / Dolt and logs backend and version.</summary>
    public static async Task ProbeAsync(Database db, ILogger log)
    {
        await using var conn = await db.OpenAsync();
        if (db.Dialect is SqliteDialect)
        {
            db.Backend = "sqlite";
            db.BackendVersion = await conn.ExecuteScalarAsync<string>("SELECT sqlite_version()");
        }
        else
        {
            db.Backend = "mysql";
            db.BackendVersion = await conn.ExecuteScalarAsync<string>("SELECT VERSION()");
            if (db.BackendVersion?.Contains("MariaDB", StringComparison.OrdinalIgnoreCase) == true) db.Backend = "mariadb";
        }
        log.LogInformation("Storage backend {Backend} {Version}", db.Backend, db.BackendVersion);
    }
}

/// <summary>Turns FAULTLINE_DSN into a MySql.Data connection string.</summary>
public static class MySqlConnectionStrings
{
    public static string FromDsn(string dsn)
    {
        if (dsn.Contains('=') && dsn.Contains(';'))
            return dsn;
        throw new ConfigException("FAULTLINE_DSN", "Go-style DSNs are parsed by GoDsnParser");
    }
}
