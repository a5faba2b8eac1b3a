using System.Data.Common;
using Dapper;
using Microsoft.Extensions.Logging;

namespace Faultline.Core.Storage;

/// <summary>
/// Applies pending migrations. Safe when two instances start at once: on the MySQL wire a named
/// lock (GET_LOCK, per database) serializes runners; on SQLite BEGIN IMMEDIATE does. Each runner
/// re-reads the applied versions after taking the lock, so the loser applies nothing.
/// </summary>
public sealed class MigrationRunner(SqlDialect dialect, ILogger logger)
{
    public async Task<int> ApplyAsync(CancellationToken ct = default)
    {
        await using var conn = dialect.CreateConnection();
        await conn.OpenAsync(ct);
        await conn.ExecuteAsync($"CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER NOT NULL PRIMARY KEY, name {dialect.Varchar(200)} NOT NULL, applied_at BIGINT NOT NULL){dialect.TableOptions}");

        var serverLock = dialect.AcquireMigrationLock is not null;
        if (serverLock)
        {
            var got = await conn.ExecuteScalarAsync<long?>(dialect.AcquireMigrationLock!);
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
                if (!serverLock) tx = await conn.BeginTransactionAsync(System.Data.IsolationLevel.Serializable, ct);
                var done = await conn.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM schema_migrations WHERE version = @v", new { v = m.Version }, tx);
                if (done > 0) { if (tx != null) await tx.RollbackAsync(ct); continue; }
                foreach (var sql in m.Statements(dialect))
                {
                    try { await conn.ExecuteAsync(sql, transaction: tx); }
                    catch (DbException ex) when (dialect.IsAlreadyExists(ex))
                    {
                        // Left behind by an earlier run that died half-way (MySQL DDL auto-commits).
                        logger.LogWarning("Migration {Version}: skipping a statement whose object already exists: {Error}", m.Version, ex.Message);
                    }
                }
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
            if (serverLock) await conn.ExecuteAsync(dialect.ReleaseMigrationLock!);
        }
    }
}
