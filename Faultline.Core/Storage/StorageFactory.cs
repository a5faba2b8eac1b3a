using Dapper;
using Faultline.Core.Storage.MySql;
using Faultline.Core.Config;
using Microsoft.Extensions.Logging;

namespace Faultline.Core.Storage;

/// <summary>Chooses the backend from FAULTLINE_DSN and reports which one is in use.</summary>
public static class StorageFactory
{
    public static SqlDialect CreateDialect(FaultlineOptions o) => o.StorageKind switch
    {
        "mysql" => new MySqlDialect(GoDsnParser.ToConnectionString(o.MySqlDsn!)),
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
            var backend = MySqlBackendProbe.Detect(conn);
            db.Backend = backend.Kind;
            db.BackendVersion = backend.Version;
        }
        log.LogInformation("Storage backend {Backend} {Version}", db.Backend, db.BackendVersion);
    }
}

