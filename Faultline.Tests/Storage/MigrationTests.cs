using Dapper;
using Faultline.Core.Storage;
using Faultline.Tests.Fixtures;
using Microsoft.Extensions.Logging.Abstractions;

namespace Faultline.Tests.Storage;

/// <summary>Versioned migrations: idempotent, concurrent-safe, restartable after a half-applied run; on every backend.</summary>
public abstract class MigrationTests(TestBackend backend)
{
    private static async Task<List<long>> Versions(SqlDialect d)
    {
        await using var c = d.CreateConnection();
        await c.OpenAsync();
        return (await c.QueryAsync<long>("SELECT version FROM schema_migrations ORDER BY version")).ToList();
    }

    [Fact]
    public async Task ApplyingTwiceAppliesNothingTheSecondTime()
    {
        var d = backend.NewDatabase();
        Assert.Equal(Migrations.All.Count, await new MigrationRunner(d, NullLogger.Instance).ApplyAsync());
        Assert.Equal(0, await new MigrationRunner(d, NullLogger.Instance).ApplyAsync());
        Assert.Equal(Migrations.All.Select(m => (long)m.Version), await Versions(d));
    }

    [Fact]
    public async Task TwoInstancesStartingAtOnceApplyTheSchemaOnce()
    {
        var name = backend.NewDatabase();
        // Two runners with their own dialect objects, as two processes would have.
        var a = new MigrationRunner(name, NullLogger.Instance);
        var b = new MigrationRunner(Reopen(name), NullLogger.Instance);
        using var go = new ManualResetEventSlim();
        var ta = Task.Run(() => { go.Wait(); return a.ApplyAsync(); });
        var tb = Task.Run(() => { go.Wait(); return b.ApplyAsync(); });
        go.Set();
        var applied = await Task.WhenAll(ta, tb);
        Assert.Equal(Migrations.All.Count, applied.Sum());
        Assert.Contains(0, applied);
        Assert.Equal(Migrations.All.Select(m => (long)m.Version), await Versions(name));
    }

    [Fact]
    public async Task AHalfAppliedMigrationCompletesOnTheNextRun()
    {
        var d = backend.NewDatabase();
        await new MigrationRunner(d, NullLogger.Instance).ApplyAsync();
        // Simulate a crash after the history migration created its index on issues but before the rest ran and was recorded
        // (MySQL DDL auto-commits, so this really happens there).
        await using (var c = d.CreateConnection())
        {
            await c.OpenAsync();
            await c.ExecuteAsync("DROP TABLE issue_history");
            var historyVersion = Migrations.All.Single(m => m.Name.StartsWith("issue history")).Version;
            await c.ExecuteAsync("DELETE FROM schema_migrations WHERE version = @historyVersion", new { historyVersion });
        }
        Assert.Equal(1, await new MigrationRunner(d, NullLogger.Instance).ApplyAsync());
        await using var check = d.CreateConnection();
        await check.OpenAsync();
        Assert.Equal(0L, await check.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM issue_history"));
    }

    private static SqlDialect Reopen(SqlDialect d) => d switch
    {
        SqliteDialect s => new SqliteDialect(s.ConnectionString),
        MySqlDialect m => new MySqlDialect(m.ConnectionString),
        _ => throw new NotSupportedException(d.Name),
    };
}

public sealed class MigrationTestsOnSqlite() : MigrationTests(SqliteTestBackend.Instance);

[Collection(MariaDbCollection.Name)]
public sealed class MigrationTestsOnMariaDb(MariaDbServer db) : MigrationTests(new MariaDbTestBackend(db));
