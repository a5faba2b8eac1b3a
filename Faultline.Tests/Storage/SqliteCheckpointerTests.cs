using Dapper;
using Faultline.Core.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Faultline.Tests.Storage;

/// <summary>WAL checkpoints run on the checkpointer's thread, never inside a commit, and keep the WAL bounded.</summary>
public sealed class SqliteCheckpointerTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "faultline-ckpt-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    [Fact]
    public async Task CommitsDoNotCheckpointWhileItRunsAndTheWalStaysBounded()
    {
        var path = Path.Combine(_dir, "c.db");
        var db = new Database(Database.Sqlite(path));
        using (var c = db.Open())
        {
            Assert.Equal(1000, c.ExecuteScalar<long>("PRAGMA wal_autocheckpoint"));
            c.Execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB NOT NULL)");
        }

        using var checkpointer = new SqliteCheckpointer(db, NullLogger<SqliteCheckpointer>.Instance) { Interval = TimeSpan.FromMilliseconds(50) };
        await checkpointer.StartAsync(CancellationToken.None);
        using (var c = db.Open())
            Assert.Equal(0, c.ExecuteScalar<long>("PRAGMA wal_autocheckpoint"));

        // 60 MB in 240 commits: without any checkpoint the WAL would hold all of it.
        var blob = new byte[256 * 1024];
        Random.Shared.NextBytes(blob);
        for (var i = 0; i < 240; i++)
        {
            using var c = db.Open();
            using var tx = c.BeginTransaction();
            c.Execute("INSERT INTO t (body) VALUES (@blob)", new { blob }, tx);
            tx.Commit();
            if (i % 20 == 0) await Task.Delay(60); // let the checkpointer in
        }
        await Task.Delay(300);
        var wal = new FileInfo(path + "-wal").Length;
        Assert.True(wal < 40L * 1024 * 1024, $"WAL is {wal / 1024 / 1024} MB");
        var (log, done) = checkpointer.CheckpointOnce();
        Assert.Equal(log, done); // everything committed is in the database file

        await checkpointer.StopAsync(CancellationToken.None);
        using (var c = db.Open())
            Assert.Equal(1000, c.ExecuteScalar<long>("PRAGMA wal_autocheckpoint"));
        using (var c = db.Open())
            Assert.Equal(240, c.ExecuteScalar<long>("SELECT COUNT(*) FROM t"));
    }
}
