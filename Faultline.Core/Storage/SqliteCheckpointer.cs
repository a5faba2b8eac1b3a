using Dapper;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Faultline.Core.Storage;

/// <summary>
/// Moves SQLite's WAL checkpoints off the commit path. By default the commit that crosses 1,000 WAL
/// pages copies them into the main file and fsyncs it before returning; under load that commit took up
/// to ≈100 ms, and every request waiting on its batch paid for it. Here a dedicated thread runs a
/// PASSIVE checkpoint (it never blocks the writer or readers) every <see cref="Interval"/>, and
/// connections are opened with wal_autocheckpoint=0 while it runs. Durability is unchanged: each
/// commit still fsyncs the WAL. On any other backend this service does nothing.
/// </summary>
public sealed class SqliteCheckpointer(Database db, ILogger<SqliteCheckpointer> logger) : BackgroundService
{
    public TimeSpan Interval { get; init; } = TimeSpan.FromMilliseconds(250);

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // Before ExecuteAsync (which .NET 10 starts on another thread): from here on commits leave checkpoints to us.
        if (db.Dialect is SqliteDialect sqlite) sqlite.CheckpointInBackground = true;
        return base.StartAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (db.Dialect is not SqliteDialect sqlite) return Task.CompletedTask;
        // Its own thread: a checkpoint's fsync blocks, and Microsoft.Data.Sqlite has no truly async calls.
        return Task.Factory.StartNew(() => Run(sqlite, stoppingToken), CancellationToken.None,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    private void Run(SqliteDialect sqlite, CancellationToken stop)
    {
        var failures = 0;
        try
        {
            while (!stop.WaitHandle.WaitOne(Interval))
            {
                try
                {
                    CheckpointOnce();
                    failures = 0;
                }
                catch (Exception ex)
                {
                    // Commits are unaffected; the WAL just grows until a checkpoint succeeds. Log the first of a streak.
                    if (failures++ == 0) logger.LogWarning("SQLite checkpoint failed (will retry): {Error}", ex.Message);
                }
            }
        }
        finally
        {
            // Connections opened from now on checkpoint on commit again (e.g. while the host shuts down).
            sqlite.CheckpointInBackground = false;
        }
    }

    /// <summary>One PASSIVE checkpoint; returns the frames in the WAL and how many of them are now in the database file.</summary>
    public (long Log, long Checkpointed) CheckpointOnce()
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        using var conn = db.Open();
        var (_, log, done) = conn.QuerySingle<(long Busy, long Log, long Done)>("PRAGMA wal_checkpoint(PASSIVE)");
        var ms = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        if (ms >= 10) logger.LogDebug("Checkpointed {Frames} WAL frames in {Ms:F0} ms", done, ms);
        return (log, done);
    }
}
