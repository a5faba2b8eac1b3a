using Dapper;
using Faultline.Core.Storage;
using Microsoft.Data.Sqlite;

namespace Faultline.Core.Ops;

public sealed record HealthReport
{
    public required string Status { get; init; }
    public required DateTime Timestamp { get; init; }
    public required string Version { get; init; }
    public required long UptimeSeconds { get; init; }
    public required StorageHealth Storage { get; init; }
    public required IngestHealth Ingest { get; init; }
    public required long? OpenIssues { get; init; }
    public required IReadOnlyList<BackgroundHealth> Background { get; init; }
    public bool Ok => Status == HealthReporter.StatusOk;
}

/// <summary>Reachable is a SELECT 1 within the timeout. Error is a category, never a driver message (no hosts, users or paths).</summary>
public sealed record StorageHealth(string Backend, string? Version, bool Reachable, int? LatencyMs, string? Error);

public sealed record IngestHealth(int QueueDepth, int QueueCapacity, string QueueStatus, long WarnAt, long CriticalAt,
    long EventsLastMinute, long EventsLastHour, long EventsSinceStart, DateTime? LastBatchCommitAt);

public sealed record BackgroundHealth(string Name, DateTime? LastSuccess, DateTime? LastFailure);

/// <summary>
/// Computes /_health. Cheap by construction: one SELECT 1 (bounded by <see cref="PingTimeout"/>,
/// never more than one outstanding), in-memory counters, and the open-issue count refreshed at
/// most every 30 s. The whole report is cached for <see cref="CacheFor"/>.
/// </summary>
public sealed class HealthReporter(Database db, IngestQueue queue, BatchWriter writer, FaultlineStore store,
    BackgroundRuns runs, IngestRate rate, OpsOptions options, TimeProvider clock)
{
    public const string StatusOk = "ok";
    public const string StatusDegraded = "degraded";
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan PingTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan OpenIssuesFor = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly DateTime _started = clock.GetUtcNow().UtcDateTime;
    private HealthReport? _cached;
    private DateTime _cachedAt;
    private long? _openIssues;
    private DateTime _openIssuesAt = DateTime.MinValue;
    private Task? _pendingPing;

    public async Task<HealthReport> GetAsync(CancellationToken ct = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (_cached is { } c && now - _cachedAt < CacheFor) return c;
        await _gate.WaitAsync(ct);
        try
        {
            now = clock.GetUtcNow().UtcDateTime;
            if (_cached is { } c2 && now - _cachedAt < CacheFor) return c2;
            var report = await ComputeAsync(now);
            _cached = report;
            _cachedAt = now;
            return report;
        }
        finally { _gate.Release(); }
    }

    /// <summary>"healthy", "warning" or "critical" for a queue depth.</summary>
    public (string Status, long WarnAt, long CritAt) QueueStatus(int depth)
    {
        var warn = OpsOptions.Threshold(options.QueueWarn, queue.MaxEvents);
        var crit = OpsOptions.Threshold(options.QueueCrit, queue.MaxEvents);
        var status = depth >= crit ? "critical" : depth >= warn ? "warning" : "healthy";
        return (status, warn, crit);
    }

    private async Task<HealthReport> ComputeAsync(DateTime now)
    {
        var storage = await PingAsync();
        if (storage.Reachable && now - _openIssuesAt >= OpenIssuesFor)
        {
            try
            {
                _openIssues = await store.CountOpenIssuesAsync().WaitAsync(PingTimeout);
                _openIssuesAt = now;
            }
            catch (Exception) { /* keep the last known count */ }
        }
        var depth = queue.Depth;
        var (qStatus, warn, crit) = QueueStatus(depth);
        var (minute, hour) = rate.Counts();
        var degraded = !storage.Reachable || qStatus == "critical";
        return new HealthReport
        {
            Status = degraded ? StatusDegraded : StatusOk,
            Timestamp = now,
            Version = FaultlineMeter.Version,
            UptimeSeconds = (long)(now - _started).TotalSeconds,
            Storage = storage,
            Ingest = new IngestHealth(depth, queue.MaxEvents, qStatus, warn, crit, minute, hour, writer.EventsCommitted, writer.LastCommitAt),
            OpenIssues = _openIssues,
            Background = runs.Snapshot().Select(r => new BackgroundHealth(r.Name, r.Run.LastSuccess, r.Run.LastFailure)).ToList(),
        };
    }

    private async Task<StorageHealth> PingAsync()
    {
        StorageHealth Result(bool ok, int? ms, string? error) => new(db.Backend, db.BackendVersion, ok, ms, error);
        if (db.Dialect is SqliteDialect s)
        {
            // Pooled connections keep working on a deleted file; the file itself must still be there.
            var path = new SqliteConnectionStringBuilder(s.ConnectionString).DataSource;
            if (!File.Exists(path)) return Result(false, null, "database file missing");
        }
        if (_pendingPing is { IsCompleted: false }) return Result(false, null, "timeout");
        var start = clock.GetTimestamp();
        // The MySQL driver's async calls block: run on the pool and stop waiting after the timeout.
        var ping = Task.Run(async () =>
        {
            await using var conn = await db.OpenAsync();
            var one = await conn.ExecuteScalarAsync<long>(new CommandDefinition("SELECT 1", commandTimeout: (int)PingTimeout.TotalSeconds));
            if (one != 1) throw new InvalidOperationException("SELECT 1 did not return 1");
        });
        _ = ping.ContinueWith(t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        _pendingPing = ping;
        try
        {
            await ping.WaitAsync(PingTimeout);
            return Result(true, (int)clock.GetElapsedTime(start).TotalMilliseconds, null);
        }
        catch (TimeoutException) { return Result(false, null, "timeout"); }
        catch (Exception) { return Result(false, null, "unreachable"); }
    }
}
