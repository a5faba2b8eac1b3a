using System.Data.Common;
using System.Diagnostics;
using Dapper;
using Faultline.Core.Issues;
using Faultline.Core.Notify;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Faultline.Core.Storage;

/// <summary>
/// The single writer (group commit): drains the ingest queue into one transaction per batch,
/// then completes every waiting request and publishes the changes. Requests are acknowledged
/// only after their batch committed, so 200 means durable; hundreds of requests share one fsync.
/// Runs on its own thread because the MySQL driver's "async" calls block.
/// </summary>
public sealed class BatchWriter(
    Database db, IngestQueue queue, IssueEvents events, TimeProvider clock, ILogger<BatchWriter> logger,
    IEnumerable<IBatchObserver> observers) : BackgroundService
{
    public int MaxBatch { get; init; } = 1000;
    private readonly Dictionary<(long, string), long> _hashCache = new();
    private readonly IBatchObserver[] _observers = observers.ToArray();

    public DateTime? LastCommitAt { get; private set; }
    public long EventsCommitted => Interlocked.Read(ref _eventsCommitted);
    private long _eventsCommitted;

    /// <summary>Forget cached hash → issue mappings (after retention deleted issues).</summary>
    public void InvalidateCaches()
    {
        lock (_hashCache) _hashCache.Clear();
    }

    // Held for the whole of every batch transaction. Retention takes it around deleting issues so no batch
    // can attach an event (through a cached hash) to an issue that is being deleted.
    private readonly SemaphoreSlim _writeGate = new(1, 1);

    /// <summary>Runs <paramref name="work"/> while no batch is being written, then forgets cached hashes.</summary>
    public async Task<T> RunExclusiveAsync<T>(Func<Task<T>> work, CancellationToken ct = default)
    {
        await _writeGate.WaitAsync(ct);
        try
        {
            var result = await work();
            InvalidateCaches();
            return result;
        }
        finally { _writeGate.Release(); }
    }

    /// <summary>Pause after an unreachable database so a dead server is not hammered; requests waiting get 503 at once.</summary>
    public TimeSpan UnavailableBackoff { get; init; } = TimeSpan.FromMilliseconds(250);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Factory.StartNew(() => Run(stoppingToken), CancellationToken.None,
            TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();

    private async Task Run(CancellationToken stop)
    {
        var batch = new List<PendingEvent>(MaxBatch);
        var reader = queue.Reader;
        // On shutdown keep draining what was already accepted: no acknowledged-or-waiting event is dropped.
        while (true)
        {
            try
            {
                if (!await reader.WaitToReadAsync(stop)) break;
            }
            catch (OperationCanceledException)
            {
                queue.Complete();
                if (!reader.TryPeek(out _)) break;
            }
            while (batch.Count < MaxBatch && reader.TryRead(out var item))
            {
                queue.Dequeued(item);
                batch.Add(item);
            }
            if (batch.Count == 0) continue;
            _writeGate.Wait(CancellationToken.None);
            bool unavailable;
            try { unavailable = !WriteWithRetry(batch); }
            finally { _writeGate.Release(); }
            batch.Clear();
            if (unavailable) Thread.Sleep(UnavailableBackoff);
        }
    }

    /// <summary>Writes the batch; false when the database was unreachable (every event was refused).</summary>
    private bool WriteWithRetry(List<PendingEvent> batch)
    {
        try
        {
            Complete(batch, WriteBatch(batch));
            return true;
        }
        catch (Exception ex) when (db.Dialect.IsUnavailable(ex))
        {
            RefuseUnavailable(batch, ex);
            return false;
        }
        catch (Exception ex) when (batch.Count > 1)
        {
            // One bad event must not refuse its neighbours: find it by writing them one by one.
            logger.LogWarning(ex, "Batch of {Count} failed; retrying events one by one", batch.Count);
        }
        catch (Exception ex)
        {
            logger.LogError("Event could not be stored: {Error}", ex.Message);
            batch[0].Done.TrySetResult(new WriteOutcome(WriteStatus.Unavailable, 0, ex.Message));
            return true;
        }
        foreach (var p in batch)
        {
            try { Complete([p], WriteBatch([p])); }
            catch (Exception ex) when (db.Dialect.IsUnavailable(ex))
            {
                RefuseUnavailable(batch.Where(x => !x.Done.Task.IsCompleted).ToList(), ex);
                return false;
            }
            catch (Exception ex)
            {
                logger.LogError("Event could not be stored: {Error}", ex.Message);
                p.Done.TrySetResult(new WriteOutcome(WriteStatus.Unavailable, 0, ex.Message));
            }
        }
        return true;
    }

    private void RefuseUnavailable(List<PendingEvent> batch, Exception ex)
    {
        logger.LogError("Storage unavailable, refusing {Count} events: {Error}", batch.Count, ex.Message);
        // After a server restart every pooled connection is dead; without this each would fail once more.
        db.Dialect.ResetPool();
        foreach (var p in batch) p.Done.TrySetResult(new WriteOutcome(WriteStatus.Unavailable, 0, ex.Message));
    }

    private void Complete(List<PendingEvent> batch, BatchResult result)
    {
        LastCommitAt = clock.GetUtcNow().UtcDateTime;
        Interlocked.Add(ref _eventsCommitted, result.Stored);
        Ops.FaultlineMeter.EventsAccepted.Add(result.Stored);
        for (var i = 0; i < batch.Count; i++) batch[i].Done.TrySetResult(result.Outcomes[i]);
        events.Publish(result.Changes);
    }

    private sealed record BatchResult(WriteOutcome[] Outcomes, List<StoreChange> Changes, int Stored);

    private sealed class IssueDelta
    {
        public long Count;
        public long FirstSeen = long.MaxValue, LastSeen = long.MinValue;
        public int LevelRank;
        public string Level = "debug";
        public string? FirstRelease, LastRelease;
        public long LastReleaseAt = long.MinValue;
        public bool Unhandled, Fatal;
        public int ErrorEvents;
        public long ProjectId;
        public readonly HashSet<string> Environments = [];
        public readonly Dictionary<(string, string), long> Tags = [];
        public readonly Dictionary<long, long> Hours = [];
    }

    private BatchResult WriteBatch(List<PendingEvent> batch)
    {
        var sw = Stopwatch.StartNew();
        var d = db.Dialect;
        var now = Database.Ms(clock.GetUtcNow().UtcDateTime);
        var outcomes = new WriteOutcome[batch.Count];
        var changes = new List<StoreChange>(batch.Count + 4);
        var deltas = new Dictionary<long, IssueDelta>();
        var projectHours = new Dictionary<(long, long), long>();
        var newHashes = new List<(long, string)>();
        var stored = 0;

        using var conn = db.Open();
        using var tx = conn.BeginTransaction();
        try
        {
            // Resolve every event's issue first, then find duplicates with one query per project
            // (the single writer makes the check exact), then insert the new events together.
            var issueIds = new long[batch.Count];
            var isNewIssue = new bool[batch.Count];
            for (var i = 0; i < batch.Count; i++)
                (issueIds[i], isNewIssue[i]) = ResolveIssue(conn, tx, batch[i], Database.Ms(batch[i].Event.Timestamp), newHashes);
            var existing = ExistingEventIds(conn, tx, batch);
            var rows = new List<object?[]>(batch.Count);
            for (var i = 0; i < batch.Count; i++)
            {
                var p = batch[i];
                var e = p.Event;
                var ts = Database.Ms(e.Timestamp);
                if (!existing.Add((p.ProjectId, e.EventId)))
                {
                    outcomes[i] = new WriteOutcome(WriteStatus.Duplicate, issueIds[i]);
                    continue;
                }
                rows.Add([p.ProjectId, issueIds[i], e.EventId, ts, Database.Ms(e.ReceivedAt), e.Level,
                    Trunc(e.Environment, 200), Trunc(e.Release, 200), p.DataJson, p.Payload]);
                stored++;
                outcomes[i] = new WriteOutcome(WriteStatus.Stored, issueIds[i]);
                Accumulate(deltas, projectHours, p, issueIds[i], ts);
                changes.Add(new StoreChange
                {
                    Kind = StoreChange.EventStored, ProjectId = p.ProjectId, IssueId = issueIds[i], EventId = e.EventId,
                    Level = e.Level, At = e.Timestamp, NewIssue = isNewIssue[i],
                });
            }
            MultiRowInsert.Execute(d, conn, tx,
                "INSERT INTO events (project_id, issue_id, event_id, timestamp, received_at, level, environment, release_name, data, payload)", "", rows);

            // One read for the touched issues: which are resolved (a recurrence reopens them) and their count in
            // the current hour before this batch (the "rupture" threshold), instead of a query for each.
            var currentHour = now / 3_600_000 * 3_600_000;
            var touched = deltas.Count == 0 ? [] : conn.Query<(long Id, string Status, long? HourCount)>(
                "SELECT i.id, i.status, h.count FROM issues i LEFT JOIN issue_hourly h ON h.issue_id = i.id AND h.hour = @currentHour " +
                "WHERE i.id IN @ids", new { currentHour, ids = deltas.Keys.ToArray() }, tx).ToList();
            var resolvedIssues = touched.Where(t => t.Status == IssueStatus.Resolved).Select(t => t.Id).ToHashSet();
            var hourCounts = touched.ToDictionary(t => t.Id, t => (t.HourCount ?? 0) + deltas[t.Id].Hours.GetValueOrDefault(currentHour));
            var counterRows = deltas.Select(kv => ApplyDelta(conn, tx, kv.Key, kv.Value, now, changes, resolvedIssues, hourCounts.GetValueOrDefault(kv.Key))).ToList();
            // The counters of every table this batch touched, in one round trip on the MySQL wire.
            MultiRowInsert.ExecuteAll(d, conn, tx,
            [
                new("INSERT INTO issue_hourly (issue_id, hour, count)", d.OnConflictAdd("issue_id, hour", "count"),
                    deltas.SelectMany(kv => kv.Value.Hours.Select(h => new object?[] { kv.Key, h.Key, h.Value })).ToList()),
                new("INSERT INTO project_hourly (project_id, hour, count)", d.OnConflictAdd("project_id, hour", "count"),
                    projectHours.Select(kv => new object?[] { kv.Key.Item1, kv.Key.Item2, kv.Value }).ToList()),
                new($"{d.InsertIgnore} INTO issue_environments (issue_id, environment)", "",
                    deltas.SelectMany(kv => kv.Value.Environments.Select(env => new object?[] { kv.Key, env })).ToList()),
                new("INSERT INTO issue_tags (issue_id, tag_key, tag_value, count)", d.OnConflictAdd("issue_id, tag_key, tag_value", "count"),
                    deltas.SelectMany(kv => kv.Value.Tags.Select(t => new object?[] { kv.Key, t.Key.Item1, t.Key.Item2, t.Value })).ToList()),
                new("INSERT INTO issues (id, project_id, title, type, value, culprit, level, level_rank, platform, status, severity, " +
                    "event_count, first_seen, last_seen, first_release, last_release, fingerprint, unhandled)", IssueCounterUpsert(d), counterRows),
            ]);

            var batchId = conn.ExecuteScalar<long>(
                $"INSERT INTO batches (committed_at, event_count, issue_count) VALUES (@now, @n, @i); {d.LastInsertId}",
                new { now, n = stored, i = deltas.Count }, tx);
            foreach (var o in _observers) o.OnBatch(conn, tx, batchId, deltas.Keys.ToArray(), now);
            tx.Commit();
        }
        catch
        {
            try { tx.Rollback(); } catch { /* connection may be gone */ }
            // Hash mappings created inside the failed transaction do not exist.
            lock (_hashCache) foreach (var h in newHashes) _hashCache.Remove(h);
            throw;
        }
        Ops.FaultlineMeter.BatchCommitDuration.Record(sw.Elapsed.TotalMilliseconds);
        logger.LogDebug("Committed batch of {Count} events ({Issues} issues) in {Ms} ms", batch.Count, deltas.Count, sw.ElapsedMilliseconds);
        return new BatchResult(outcomes, changes, stored);
    }

    /// <summary>
    /// Adds a batch's counters to existing issues in one statement (an upsert whose insert never
    /// happens): one round trip per batch instead of one per issue on the MySQL wire. Assignment
    /// order matters on MySQL, which evaluates left to right: level reads level_rank before it grows.
    /// </summary>
    private static string IssueCounterUpsert(SqlDialect d)
    {
        string N(string col) => d.Excluded(col);
        return d.OnConflictUpdate("id",
            $"event_count = event_count + {N("event_count")}, " +
            $"last_seen = {d.Greatest("last_seen", N("last_seen"))}, first_seen = {d.Least("first_seen", N("first_seen"))}, " +
            $"level = CASE WHEN level_rank < {N("level_rank")} THEN {N("level")} ELSE level END, " +
            $"level_rank = {d.Greatest("level_rank", N("level_rank"))}, " +
            $"first_release = COALESCE(first_release, {N("first_release")}), last_release = COALESCE({N("last_release")}, last_release), " +
            $"unhandled = {d.Greatest("unhandled", N("unhandled"))}, " +
            $"severity = CASE WHEN {N("severity")} = '{Severity.Rupture}' AND severity <> '{Severity.Aftershock}' THEN '{Severity.Rupture}' " +
            $"WHEN {N("severity")} = '{Severity.Quake}' AND severity = '{Severity.Tremor}' THEN '{Severity.Quake}' ELSE severity END");
    }

    /// <summary>(project, event_id) pairs of this batch that are already stored.</summary>
    private static HashSet<(long, string)> ExistingEventIds(DbConnection conn, DbTransaction tx, List<PendingEvent> batch)
    {
        var found = new HashSet<(long, string)>();
        foreach (var group in batch.GroupBy(p => p.ProjectId))
            foreach (var chunk in group.Select(p => p.Event.EventId).Distinct().Chunk(500))
                foreach (var id in conn.Query<string>("SELECT event_id FROM events WHERE project_id = @pid AND event_id IN @chunk",
                             new { pid = group.Key, chunk }, tx))
                    found.Add((group.Key, id));
        return found;
    }

    private (long IssueId, bool IsNew) ResolveIssue(DbConnection conn, DbTransaction tx, PendingEvent p, long ts, List<(long, string)> newHashes)
    {
        var g = p.Grouping;
        lock (_hashCache)
            foreach (var h in g.Hashes)
                if (_hashCache.TryGetValue((p.ProjectId, h), out var cached)) return (cached, false);

        var found = conn.QueryFirstOrDefault<long?>(
            "SELECT issue_id FROM issue_hashes WHERE project_id = @pid AND hash IN @hashes",
            new { pid = p.ProjectId, hashes = g.Hashes.ToArray() }, tx);
        var isNew = found is null;
        long issueId;
        if (found is { } existing) issueId = existing;
        else
        {
            var e = p.Event;
            conn.Execute(
                "INSERT INTO issues (project_id, title, type, value, culprit, level, level_rank, platform, status, severity, event_count, first_seen, last_seen, first_release, last_release, fingerprint, unhandled) " +
                "VALUES (@pid, @Title, @Type, @Value, @Culprit, @Level, @Rank, @Platform, @Status, @Severity, 0, @ts, @ts, @Release, @Release, @Fp, @Unhandled)",
                new
                {
                    pid = p.ProjectId, Title = Trunc(g.Title, 500), Type = Trunc(g.Type, 250), g.Value, Culprit = Trunc(g.Culprit, 500),
                    e.Level, Rank = Levels.Rank(e.Level), Platform = Trunc(e.Platform, 64), Status = IssueStatus.Active,
                    Severity = Severity.Tremor, ts, Release = Trunc(e.Release, 200), Fp = g.Hashes[0], Unhandled = e.Unhandled ? 1 : 0,
                }, tx);
            issueId = conn.ExecuteScalar<long>(db.Dialect.LastInsertId, transaction: tx);
        }
        foreach (var h in g.Hashes)
        {
            conn.Execute($"{db.Dialect.InsertIgnore} INTO issue_hashes (project_id, hash, version, issue_id) VALUES (@pid, @h, @v, @issueId)",
                new { pid = p.ProjectId, h, v = g.Version, issueId }, tx);
            lock (_hashCache) _hashCache[(p.ProjectId, h)] = issueId;
            newHashes.Add((p.ProjectId, h));
        }
        return (issueId, isNew);
    }

    private static void Accumulate(Dictionary<long, IssueDelta> deltas, Dictionary<(long, long), long> projectHours,
        PendingEvent p, long issueId, long ts)
    {
        var e = p.Event;
        if (!deltas.TryGetValue(issueId, out var x)) deltas[issueId] = x = new IssueDelta { ProjectId = p.ProjectId };
        x.Count++;
        x.FirstSeen = Math.Min(x.FirstSeen, ts);
        x.LastSeen = Math.Max(x.LastSeen, ts);
        var rank = Levels.Rank(e.Level);
        if (rank > x.LevelRank) { x.LevelRank = rank; x.Level = e.Level; }
        x.Fatal |= e.Level == "fatal";
        if (rank >= Levels.Rank("error")) x.ErrorEvents++;
        x.Unhandled |= e.Unhandled;
        if (!string.IsNullOrEmpty(e.Release))
        {
            x.FirstRelease ??= Trunc(e.Release, 200);
            if (ts >= x.LastReleaseAt) { x.LastRelease = Trunc(e.Release, 200); x.LastReleaseAt = ts; }
        }
        if (!string.IsNullOrEmpty(e.Environment)) x.Environments.Add(Trunc(e.Environment, 200)!);
        foreach (var (k, v) in e.Tags)
        {
            var key = (Trunc(k, 200)!, Trunc(v, 200)!);
            x.Tags[key] = x.Tags.GetValueOrDefault(key) + 1;
        }
        var hour = ts / 3_600_000 * 3_600_000;
        x.Hours[hour] = x.Hours.GetValueOrDefault(hour) + 1;
        projectHours[(p.ProjectId, hour)] = projectHours.GetValueOrDefault((p.ProjectId, hour)) + 1;
    }

    private object?[] ApplyDelta(DbConnection conn, DbTransaction tx, long issueId, IssueDelta x, long now, List<StoreChange> changes,
        HashSet<long> resolvedIssues, long hourCount)
    {
        var d = db.Dialect;
        // A recurrence of a resolved issue: within 24 h of resolution it is a regression
        // (aftershock); later it simply reopens as a fresh cycle. Only issues read as resolved
        // at the start of the batch pay for these updates.
        var regressed = 0;
        var reopened = 0;
        if (resolvedIssues.Contains(issueId))
        {
            regressed = conn.Execute(
                "UPDATE issues SET status = @active, severity = @aftershock, regression_count = regression_count + 1, resolved_at = NULL " +
                "WHERE id = @issueId AND status = @resolved AND resolved_at IS NOT NULL AND resolved_at >= @cutoff",
                new { active = IssueStatus.Active, aftershock = Severity.Aftershock, resolved = IssueStatus.Resolved, issueId, cutoff = now - 24 * 3_600_000L }, tx);
            reopened = regressed > 0 ? 0 : conn.Execute(
                "UPDATE issues SET status = @active, severity = @tremor, resolved_at = NULL WHERE id = @issueId AND status = @resolved",
                new { active = IssueStatus.Active, tremor = Severity.Tremor, resolved = IssueStatus.Resolved, issueId }, tx);
        }
        if (regressed > 0 || reopened > 0)
        {
            var kind = regressed > 0 ? "regressed" : "reopened";
            conn.Execute("INSERT INTO lifecycle (project_id, issue_id, kind, detail, created_at) VALUES (@pid, @issueId, @kind, @detail, @now)",
                new { pid = x.ProjectId, issueId, kind, detail = regressed > 0 ? "error recurred within 24 h of resolution" : "error recurred more than 24 h after resolution; new cycle", now }, tx);
            changes.Add(new StoreChange
            {
                Kind = regressed > 0 ? StoreChange.IssueRegressed : StoreChange.IssueReopened, ProjectId = x.ProjectId, IssueId = issueId,
                At = Database.FromMs(now),
            });
        }

        var rupture = x.Fatal || hourCount >= Severity.RuptureEventsPerHour;
        var quake = !rupture && BurstCrossed(issueId, x.ErrorEvents, now);

        // The row for the batch's single multi-row upsert of issue counters (see IssueCounterUpsert):
        // the issue exists, so only the counter columns matter; the rest satisfy NOT NULL.
        var severity = rupture ? Severity.Rupture : quake ? Severity.Quake : "";
        return [issueId, x.ProjectId, "", "", "", "", x.Level, x.LevelRank, "", "", severity, x.Count, x.FirstSeen, x.LastSeen,
            x.FirstRelease, x.LastRelease, "", x.Unhandled ? 1 : 0];

    }

    // Receive times (ms) of the last few error/fatal events per issue: the "quake" burst window.
    private readonly Dictionary<long, Queue<long>> _bursts = new();

    /// <summary>True when this batch brings the issue to ≥ QuakeBurstEvents error/fatal events inside the window.</summary>
    private bool BurstCrossed(long issueId, int errorEvents, long now)
    {
        if (errorEvents == 0) return false;
        var window = Severity.QuakeBurstWindowMinutes * 60_000L;
        if (!_bursts.TryGetValue(issueId, out var q)) _bursts[issueId] = q = new Queue<long>();
        for (var i = 0; i < Math.Min(errorEvents, Severity.QuakeBurstEvents); i++) q.Enqueue(now);
        while (q.Count > Severity.QuakeBurstEvents || (q.Count > 0 && q.Peek() < now - window)) q.Dequeue();
        if (_bursts.Count > 50_000) // forget quiet issues so memory stays bounded
            foreach (var stale in _bursts.Where(kv => kv.Value.Count == 0 || kv.Value.Last() < now - window).Select(kv => kv.Key).ToList())
                _bursts.Remove(stale);
        return q.Count >= Severity.QuakeBurstEvents;
    }

    internal static string? Trunc(string? s, int max) => s is null || s.Length <= max ? s : s[..max];
}

/// <summary>Runs inside every batch transaction (e.g. history snapshots of the touched issues).</summary>
public interface IBatchObserver
{
    void OnBatch(DbConnection conn, DbTransaction tx, long batchId, IReadOnlyList<long> touchedIssueIds, long nowMs);
}
