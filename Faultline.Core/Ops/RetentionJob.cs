using Dapper;
using Faultline.Core.Config;
using Faultline.Core.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Faultline.Core.Ops;

public sealed record RetentionReport(DateTime Cutoff, long EventsDeleted, long IssuesDeleted, long HeartbeatsDeleted);

/// <summary>
/// Deletes events received more than FAULTLINE_RETENTION_DAYS ago, at start and then daily. Deletes go in
/// small transactions with short pauses so the batch writer always gets its turn (SQLite has one write lock;
/// InnoDB row locks stay few). Issues left without events are removed with their hashes, tags, environments,
/// hourly counts and timeline; issue_history is kept, so an issue's history outlives it.
/// </summary>
public sealed class RetentionJob(Database db, BatchWriter writer, FaultlineOptions options, TimeProvider clock,
    ILogger<RetentionJob> logger) : BackgroundService
{
    public int BatchSize { get; init; } = 500;
    /// <summary>Breathing room between delete transactions (real time: it throttles, it does not schedule).</summary>
    public TimeSpan Pause { get; init; } = TimeSpan.FromMilliseconds(20);

    public RetentionReport? LastReport { get; private set; }
    public DateTime? LastRunAt { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Storage.RetentionDays == 0) return;
        // Off the start-up path: the MySQL driver's async calls block.
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            try { await RunOnceAsync(stoppingToken); }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { break; }
            catch (Exception ex) { logger.LogError("Retention run failed, next try in a day: {Error}", ex.Message); }
            try { await Task.Delay(TimeSpan.FromDays(1), clock, stoppingToken); }
            catch (OperationCanceledException) { break; }
        }
    }

    public async Task<RetentionReport> RunOnceAsync(CancellationToken ct = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var cutoff = now.AddDays(-options.Storage.RetentionDays);
        var cutoffMs = Database.Ms(cutoff);
        var touched = new HashSet<long>();
        long events = 0, heartbeats = 0;

        while (true)
        {
            ct.ThrowIfCancellationRequested();
            await using var conn = await db.OpenAsync(ct);
            // Select then delete by id: MySQL/MariaDB refuse LIMIT inside IN (subquery), SQLite lacks DELETE ... LIMIT.
            var rows = (await conn.QueryAsync<(long Id, long IssueId)>(
                "SELECT id, issue_id FROM events WHERE received_at < @cutoffMs ORDER BY received_at LIMIT @n",
                new { cutoffMs, n = BatchSize })).ToList();
            if (rows.Count == 0) break;
            await using (var tx = await conn.BeginTransactionAsync(ct))
            {
                events += await conn.ExecuteAsync("DELETE FROM events WHERE id IN @ids", new { ids = rows.Select(r => r.Id).ToArray() }, tx);
                await tx.CommitAsync(ct);
            }
            touched.UnionWith(rows.Select(r => r.IssueId));
            await Task.Delay(Pause, ct);
        }

        long issues;
        await using (var conn = await db.OpenAsync(ct))
        {
            // Issues emptied earlier (a run interrupted after its event deletes) are found by their last event time.
            touched.UnionWith(await conn.QueryAsync<long>("SELECT id FROM issues WHERE last_seen < @cutoffMs", new { cutoffMs }));
            var projects = (await conn.QueryAsync<long>("SELECT id FROM projects")).ToList();
            foreach (var pid in projects)
                heartbeats += await DeleteHeartbeatsAsync(conn, pid, cutoffMs, ct);
            var cutoffHour = cutoffMs / 3_600_000 * 3_600_000;
            await conn.ExecuteAsync("DELETE FROM issue_hourly WHERE hour < @cutoffHour", new { cutoffHour });
            await conn.ExecuteAsync("DELETE FROM project_hourly WHERE hour < @cutoffHour", new { cutoffHour });
        }
        issues = await DeleteEmptyIssuesAsync(touched, ct);

        await using (var conn = await db.OpenAsync(ct))
            await db.Dialect.CompactAsync(conn, ct);

        var report = new RetentionReport(cutoff, events, issues, heartbeats);
        LastReport = report;
        LastRunAt = now;
        logger.LogInformation("Retention ({Days} days, cutoff {Cutoff:O}): deleted {Events} events, {Issues} issues, {Heartbeats} heartbeats",
            options.Storage.RetentionDays, cutoff, events, issues, heartbeats);
        return report;
    }

    private async Task<long> DeleteHeartbeatsAsync(System.Data.Common.DbConnection conn, long projectId, long cutoffMs, CancellationToken ct)
    {
        long deleted = 0;
        while (true)
        {
            var ids = (await conn.QueryAsync<long>("SELECT id FROM heartbeats WHERE project_id = @projectId AND at < @cutoffMs LIMIT @n",
                new { projectId, cutoffMs, n = BatchSize })).ToArray();
            if (ids.Length == 0) return deleted;
            deleted += await conn.ExecuteAsync("DELETE FROM heartbeats WHERE id IN @ids", new { ids });
            await Task.Delay(Pause, ct);
        }
    }

    private static readonly string[] IssueChildTables = ["issue_hashes", "issue_tags", "issue_environments", "issue_hourly", "lifecycle"];

    private async Task<long> DeleteEmptyIssuesAsync(IEnumerable<long> candidates, CancellationToken ct)
    {
        long deleted = 0;
        foreach (var chunk in candidates.Order().Chunk(BatchSize))
        {
            // Exclusive with the batch writer: no batch can attach an event (via a cached hash) to an issue
            // between the emptiness check and the delete; the writer's hash cache is dropped afterwards.
            deleted += await writer.RunExclusiveAsync(async () =>
            {
                await using var conn = await db.OpenAsync(ct);
                await using var tx = await conn.BeginTransactionAsync(ct);
                var empty = (await conn.QueryAsync<long>(
                    "SELECT id FROM issues WHERE id IN @chunk AND NOT EXISTS (SELECT 1 FROM events e WHERE e.issue_id = issues.id)",
                    new { chunk }, tx)).ToArray();
                if (empty.Length == 0) return 0L;
                foreach (var table in IssueChildTables)
                    await conn.ExecuteAsync($"DELETE FROM {table} WHERE issue_id IN @empty", new { empty }, tx);
                var n = await conn.ExecuteAsync("DELETE FROM issues WHERE id IN @empty", new { empty }, tx);
                await tx.CommitAsync(ct);
                return (long)n;
            }, ct);
            await Task.Delay(Pause, ct);
        }
        return deleted;
    }
}
