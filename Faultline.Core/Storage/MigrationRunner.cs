using System.Data.Common;
using Dapper;
using Microsoft.Extensions.Logging;

namespace Faultline.Core.Storage;

/// <summary>
/// Applies pending migrations. Safe when two instances start at once: on the MySQL wire a
/// named lock (GET_LOCK) serializes runners; on SQLite BEGIN IMMEDIATE does. Each runner
/// re-reads the applied versions after taking the lock, so the loser applies nothing.
/// </summary>
public sealed class MigrationRunner(SqlDialect dialect, ILogger logger)
{
    public async Task<int> ApplyAsync(CancellationToken ct = default)
    {
        await using var conn = dialect.CreateConnection();
        await conn.OpenAsync(ct);
        await conn.ExecuteAsync($"CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER NOT NULL PRIMARY KEY, name {dialect.Varchar(200)} NOT NULL, applied_at BIGINT NOT NULL){dialect.TableOptions}");

        var isMySql = dialect is MySqlDialect;
        if (isMySql)
        {
            var got = await conn.ExecuteScalarAsync<long?>("SELECT GET_LOCK('faultline_migrate', 60)");
            if (got != 1) throw new InvalidOperationException("could not take the migration lock within 60 s");
        }
        try
        {
            var applied = 0;
            foreach (var m in Migrations.All)
            {
                // SQLite: one immediate transaction per migration (DDL is transactional there).
                // MySQL: DDL auto-commits; the named lock provides the mutual exclusion.
                DbTransaction? tx = null;
                if (!isMySql) tx = await conn.BeginTransactionAsync(System.Data.IsolationLevel.Serializable, ct);
                var done = await conn.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM schema_migrations WHERE version = @v", new { v = m.Version }, tx);
                if (done > 0) { if (tx != null) await tx.RollbackAsync(ct); continue; }
                foreach (var sql in m.Statements(dialect))
                    await conn.ExecuteAsync(sql, transaction: tx);
                await conn.ExecuteAsync("INSERT INTO schema_migrations (version, name, applied_at) VALUES (@v, @n, @t)",
                    new { v = m.Version, n = m.Name, t = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() }, tx);
                if (tx != null) await tx.CommitAsync(ct);
                logger.LogInformation("Applied migration {Version} ({Name}) on {Backend}", m.Version, m.Name, dialect.Name);
                applied++;
            }
            return applied;
        }
        finally
        {
            if (isMySql) await conn.ExecuteAsync("SELECT RELEASE_LOCK('faultline_migrate')");
        }
    }
}
