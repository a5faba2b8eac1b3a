using System.Data.Common;
using Dapper;
using Faultline.Core.Issues;
using Faultline.Core.Storage;

namespace Faultline.Core.Loop;

/// <summary>An issue the loop follows: its current bead and where the confirmation stands.</summary>
public sealed class LoopRow
{
    public long IssueId { get; set; }
    public long ProjectId { get; set; }
    public string? Rig { get; set; }
    public string? BeadId { get; set; }
    public string? BeadStatus { get; set; }
    public string? CloseReason { get; set; }
    public long? QuietStartedAt { get; set; }
    public long? QuietUntil { get; set; }
    public long RegressionsBeaded { get; set; }
    public long FileAttempts { get; set; }
    public long? NextFileAt { get; set; }
    public long? DispatchedAt { get; set; }
    public long DispatchAttempts { get; set; }
    public long? NextDispatchAt { get; set; }
    public long EscalatedFor { get; set; }
    public string? EscalationId { get; set; }
}

/// <summary>An issue with an open bead cycle (status fixing or stabilizing) joined with its loop row.</summary>
public sealed class TrackedIssue
{
    public long IssueId { get; set; }
    public long ProjectId { get; set; }
    public string Status { get; set; } = "";
    public string BeadId { get; set; } = "";
    public string? BeadStatus { get; set; }
    public string? CloseReason { get; set; }
    public long? QuietStartedAt { get; set; }
    public long? QuietUntil { get; set; }
    public long? NextDispatchAt { get; set; }
    public long DispatchAttempts { get; set; }
}

public sealed record CiRun(long ProjectId, string Provider, string? Repository, long RunId, int RunAttempt, string? Name,
    string? Conclusion, string? HeadBranch, string? HeadSha, string? HtmlUrl, string? EventId, DateTime? RunUpdatedAt, DateTime ReceivedAt);

/// <summary>
/// The loop's own tables (issue_loop, ci_runs, webhook_deliveries) and the few issue transitions it
/// makes. Every status move writes its lifecycle row in the same transaction and is conditional on the
/// status it expects, so a concurrent manual change is never overwritten by a stale decision.
/// </summary>
public sealed class LoopStore(Database db, TimeProvider clock)
{
    static LoopStore() => DefaultTypeMap.MatchNamesWithUnderscores = true;

    long NowMs => Database.Ms(clock.GetUtcNow().UtcDateTime);
    SqlDialect D => db.Dialect;

    async Task<T> With<T>(Func<DbConnection, Task<T>> work)
    {
        await using var conn = await db.OpenAsync();
        return await work(conn);
    }

    async Task<bool> InTransaction(Func<DbConnection, DbTransaction, Task<bool>> work)
    {
        await using var conn = await db.OpenAsync();
        await using var tx = await conn.BeginTransactionAsync();
        if (!await work(conn, tx)) { await tx.RollbackAsync(); return false; }
        await tx.CommitAsync();
        return true;
    }

    static Task Lifecycle(DbConnection c, DbTransaction tx, long projectId, long issueId, string kind, string detail, long now) =>
        c.ExecuteAsync("INSERT INTO lifecycle (project_id, issue_id, kind, detail, created_at) VALUES (@projectId, @issueId, @kind, @detail, @now)",
            new { projectId, issueId, kind, detail, now }, tx);

    Task EnsureRow(DbConnection c, DbTransaction? tx, long projectId, long issueId, long now) =>
        c.ExecuteAsync($"{D.InsertIgnore} INTO issue_loop (issue_id, project_id, updated_at) VALUES (@issueId, @projectId, @now)",
            new { issueId, projectId, now }, tx);

    public Task<LoopRow?> GetAsync(long issueId) => With(c =>
        c.QueryFirstOrDefaultAsync<LoopRow>("SELECT * FROM issue_loop WHERE issue_id = @issueId", new { issueId }));

    public Task AddLifecycleAsync(long projectId, long issueId, string kind, string detail) => With(async c =>
    {
        await c.ExecuteAsync("INSERT INTO lifecycle (project_id, issue_id, kind, detail, created_at) VALUES (@projectId, @issueId, @kind, @detail, @now)",
            new { projectId, issueId, kind, detail, now = NowMs });
        return 0;
    });

    /// <summary>
    /// A bead now belongs to the issue (filed by the loop or linked by hand): bead_id set, status fixing,
    /// retry schedules reset. Refused (false) when the issue is not in one of <paramref name="fromStatuses"/>.
    /// </summary>
    public Task<bool> AttachBeadAsync(long projectId, long issueId, string rig, string beadId, long regressionsBeaded,
        string kind, string detail, IReadOnlyList<string> fromStatuses) => InTransaction(async (c, tx) =>
    {
        var now = NowMs;
        var n = await c.ExecuteAsync(
            "UPDATE issues SET bead_id = @beadId, status = @fixing, resolved_at = NULL WHERE id = @issueId AND project_id = @projectId AND status IN @fromStatuses",
            new { beadId, fixing = IssueStatus.Fixing, issueId, projectId, fromStatuses }, tx);
        if (n == 0) return false;
        await EnsureRow(c, tx, projectId, issueId, now);
        await c.ExecuteAsync(
            "UPDATE issue_loop SET rig = @rig, bead_id = @beadId, bead_status = 'open', close_reason = NULL, quiet_started_at = NULL, quiet_until = NULL, " +
            "regressions_beaded = @regressionsBeaded, file_attempts = 0, next_file_at = NULL, dispatched_at = NULL, dispatch_attempts = 0, " +
            "next_dispatch_at = NULL, updated_at = @now WHERE issue_id = @issueId",
            new { rig, beadId, regressionsBeaded, now, issueId }, tx);
        await Lifecycle(c, tx, projectId, issueId, kind, detail, now);
        return true;
    });

    /// <summary>Filing failed: remember when to try again (used for regression beads, which the tracker does not schedule).</summary>
    public Task SetFileRetryAsync(long projectId, long issueId, long attempts, DateTime nextAt) => With(async c =>
    {
        var now = NowMs;
        await EnsureRow(c, null, projectId, issueId, now);
        return await c.ExecuteAsync("UPDATE issue_loop SET file_attempts = @attempts, next_file_at = @next, updated_at = @now WHERE issue_id = @issueId",
            new { attempts, next = Database.Ms(nextAt), now, issueId });
    });

    public Task SetDispatchStateAsync(long issueId, bool dispatched, long attempts, DateTime? nextAt) => With(c =>
        c.ExecuteAsync(
            "UPDATE issue_loop SET dispatched_at = CASE WHEN @dispatched = 1 THEN @now ELSE dispatched_at END, dispatch_attempts = @attempts, " +
            "next_dispatch_at = @next, updated_at = @now WHERE issue_id = @issueId",
            new { dispatched = dispatched ? 1 : 0, now = NowMs, attempts, next = nextAt is { } t ? Database.Ms(t) : (long?)null, issueId }));

    public Task SetEscalatedAsync(long issueId, long forRegressions, string? escalationId) => With(c =>
        c.ExecuteAsync("UPDATE issue_loop SET escalated_for = @forRegressions, escalation_id = @escalationId, updated_at = @now WHERE issue_id = @issueId",
            new { forRegressions, escalationId, now = NowMs, issueId }));

    public Task SetBeadStatusAsync(long issueId, string beadStatus) => With(c =>
        c.ExecuteAsync("UPDATE issue_loop SET bead_status = @beadStatus, last_polled_at = @now, updated_at = @now WHERE issue_id = @issueId",
            new { beadStatus, now = NowMs, issueId }));

    /// <summary>fixing → stabilizing with a persisted quiet period, only if the issue still waits on this bead.</summary>
    public Task<bool> StartQuietAsync(long projectId, long issueId, string beadId, string? closeReason, DateTime quietUntil, string detail) =>
        InTransaction(async (c, tx) =>
        {
            var now = NowMs;
            var n = await c.ExecuteAsync(
                "UPDATE issues SET status = @stabilizing WHERE id = @issueId AND project_id = @projectId AND status = @fixing AND bead_id = @beadId",
                new { stabilizing = IssueStatus.Stabilizing, fixing = IssueStatus.Fixing, issueId, projectId, beadId }, tx);
            if (n == 0) return false;
            await EnsureRow(c, tx, projectId, issueId, now);
            await c.ExecuteAsync(
                "UPDATE issue_loop SET bead_id = @beadId, bead_status = 'closed', close_reason = @closeReason, quiet_started_at = @now, quiet_until = @until, " +
                "next_dispatch_at = NULL, updated_at = @now WHERE issue_id = @issueId",
                new { beadId, closeReason, now, until = Database.Ms(quietUntil), issueId }, tx);
            await Lifecycle(c, tx, projectId, issueId, "bead_closed", detail, now);
            return true;
        });

    /// <summary>Leaves stabilizing (resolved, or cancelled back to fixing/active), only if the issue is still stabilizing.</summary>
    public Task<bool> EndQuietAsync(long projectId, long issueId, string newStatus, string kind, string detail) =>
        InTransaction(async (c, tx) =>
        {
            var now = NowMs;
            var n = await c.ExecuteAsync(
                "UPDATE issues SET status = @newStatus, resolved_at = CASE WHEN @newStatus = @resolved THEN @now ELSE NULL END " +
                "WHERE id = @issueId AND project_id = @projectId AND status = @stabilizing",
                new { newStatus, resolved = IssueStatus.Resolved, now, issueId, projectId, stabilizing = IssueStatus.Stabilizing }, tx);
            if (n == 0) return false;
            await c.ExecuteAsync("UPDATE issue_loop SET quiet_started_at = NULL, quiet_until = NULL, updated_at = @now WHERE issue_id = @issueId",
                new { now, issueId }, tx);
            await Lifecycle(c, tx, projectId, issueId, kind, detail, now);
            return true;
        });

    /// <summary>Issues with an open bead cycle: what the poller asks bd about and the tick checks.</summary>
    public Task<IReadOnlyList<TrackedIssue>> ListTrackedAsync() => With<IReadOnlyList<TrackedIssue>>(async c =>
        (await c.QueryAsync<TrackedIssue>(
            "SELECT i.id AS issue_id, i.project_id, i.status, i.bead_id, l.bead_status, l.close_reason, l.quiet_started_at, l.quiet_until, " +
            "l.next_dispatch_at, COALESCE(l.dispatch_attempts, 0) AS dispatch_attempts " +
            "FROM issues i LEFT JOIN issue_loop l ON l.issue_id = i.id WHERE i.status IN @statuses AND i.bead_id IS NOT NULL",
            new { statuses = new[] { IssueStatus.Fixing, IssueStatus.Stabilizing } })).ToList());

    /// <summary>Active issues that regressed more often than they got a regression bead, and whose retry time has come.</summary>
    public Task<IReadOnlyList<(long IssueId, long ProjectId)>> ListPendingRegressionsAsync() => With<IReadOnlyList<(long, long)>>(async c =>
        (await c.QueryAsync<(long, long)>(
            "SELECT i.id, i.project_id FROM issues i LEFT JOIN issue_loop l ON l.issue_id = i.id " +
            "WHERE i.status = @active AND i.regression_count > COALESCE(l.regressions_beaded, 0) AND (l.next_file_at IS NULL OR l.next_file_at <= @now)",
            new { active = IssueStatus.Active, now = NowMs })).ToList());

    /// <summary>Issues whose latest regression bead (the second or later) has not been escalated yet, e.g. because gt escalate failed.</summary>
    public Task<IReadOnlyList<(long IssueId, long ProjectId, string BeadId, long Regressions)>> ListPendingEscalationsAsync() =>
        With<IReadOnlyList<(long, long, string, long)>>(async c =>
            (await c.QueryAsync<(long, long, string, long)>(
                "SELECT i.id, i.project_id, i.bead_id, l.regressions_beaded FROM issues i JOIN issue_loop l ON l.issue_id = i.id " +
                "WHERE l.regressions_beaded >= 2 AND COALESCE(l.escalated_for, 0) < l.regressions_beaded AND i.bead_id IS NOT NULL")).ToList());

    /// <summary>
    /// Events Faultline received for the issue after <paramref name="afterMs"/> (server clock, not the SDK's). Strictly
    /// after: the events that led to the bead can share the close's millisecond and must not cancel it.
    /// </summary>
    public Task<long> CountEventsAfterAsync(long issueId, long afterMs) => With(c =>
        c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM events WHERE issue_id = @issueId AND received_at > @afterMs", new { issueId, afterMs }));

    public Task<IReadOnlyList<(long IssueId, long ProjectId)>> FindIssuesByBeadAsync(string beadId) => With<IReadOnlyList<(long, long)>>(async c =>
        (await c.QueryAsync<(long, long)>("SELECT id, project_id FROM issues WHERE bead_id = @beadId", new { beadId })).ToList());

    /// <summary>
    /// What the tracker needs after a restart: un-beaded (active) error issues seen since <paramref name="seenSinceMs"/>,
    /// with the error/fatal events of their current cycle (after the last resolution/reopen/cancellation).
    /// Only the first event and the newest ones matter to the tracker, so no more are read.
    /// </summary>
    public Task<IReadOnlyList<SeedIssue>> LoadSeedAsync(long seenSinceMs, int newestPerIssue) => With<IReadOnlyList<SeedIssue>>(async c =>
    {
        var issues = (await c.QueryAsync<(long Id, long ProjectId)>(
            "SELECT id, project_id FROM issues WHERE status = @active AND level_rank >= 4 AND last_seen >= @seenSinceMs",
            new { active = IssueStatus.Active, seenSinceMs })).ToList();
        var result = new List<SeedIssue>();
        foreach (var (id, pid) in issues)
        {
            var boundary = await c.ExecuteScalarAsync<long?>(
                "SELECT MAX(created_at) FROM lifecycle WHERE issue_id = @id AND kind IN ('resolved', 'reopened', 'regressed', 'resolution_cancelled')",
                new { id }) ?? 0;
            var args = new { id, boundary, newestPerIssue, levels = new[] { "error", "fatal" } };
            var newest = await c.QueryAsync<(long At, string Level)>(
                "SELECT received_at, level FROM events WHERE issue_id = @id AND received_at >= @boundary AND level IN @levels " +
                "ORDER BY received_at DESC LIMIT @newestPerIssue", args);
            var first = await c.QueryAsync<(long At, string Level)>(
                "SELECT received_at, level FROM events WHERE issue_id = @id AND received_at >= @boundary AND level IN @levels " +
                "ORDER BY received_at LIMIT 1", args);
            var events = newest.ToList();
            foreach (var f in first) if (!events.Contains(f)) events.Add(f);
            if (events.Count > 0)
                result.Add(new SeedIssue(id, pid, events.Select(e => (Database.FromMs(e.At), e.Level)).ToList()));
        }
        return result;
    });

    public Task<IReadOnlyList<(string Release, long Count, DateTime LastSeen)>> ListIssueReleasesAsync(long issueId) =>
        With<IReadOnlyList<(string, long, DateTime)>>(async c =>
            (await c.QueryAsync<(string Release, long Count, long Last)>(
                "SELECT release_name, COUNT(*), MAX(timestamp) FROM events WHERE issue_id = @issueId AND release_name IS NOT NULL " +
                "GROUP BY release_name ORDER BY MAX(timestamp) DESC", new { issueId }))
            .Select(r => (r.Release, r.Count, Database.FromMs(r.Last))).ToList());

    // ---- CI runs and webhook deliveries ----

    /// <summary>Stores a CI run outcome once; false when this run attempt was already recorded (a replay).</summary>
    public Task<bool> InsertCiRunAsync(CiRun r) => With(async c =>
        await c.ExecuteAsync(
            $"{D.InsertIgnore} INTO ci_runs (project_id, provider, repository, run_id, run_attempt, name, conclusion, head_branch, head_sha, html_url, event_id, run_updated_at, received_at) " +
            "VALUES (@ProjectId, @Provider, @Repository, @RunId, @RunAttempt, @Name, @Conclusion, @HeadBranch, @HeadSha, @HtmlUrl, @EventId, @Updated, @Received)",
            new
            {
                r.ProjectId, r.Provider, r.Repository, r.RunId, r.RunAttempt, r.Name, r.Conclusion, r.HeadBranch, r.HeadSha, r.HtmlUrl, r.EventId,
                Updated = r.RunUpdatedAt is { } u ? Database.Ms(u) : (long?)null, Received = Database.Ms(r.ReceivedAt),
            }) > 0);

    public Task<IReadOnlyList<CiRun>> ListCiRunsAsync(long projectId, int limit) => With<IReadOnlyList<CiRun>>(async c =>
        (await c.QueryAsync<CiRunRow>(
            "SELECT project_id, provider, repository, run_id, run_attempt, name, conclusion, head_branch, head_sha, html_url, event_id, run_updated_at, received_at " +
            "FROM ci_runs WHERE project_id = @projectId ORDER BY received_at DESC, id DESC LIMIT @limit", new { projectId, limit }))
        .Select(r => new CiRun(r.ProjectId, r.Provider, r.Repository, r.RunId, (int)r.RunAttempt, r.Name, r.Conclusion, r.HeadBranch, r.HeadSha,
            r.HtmlUrl, r.EventId, r.RunUpdatedAt is { } u ? Database.FromMs(u) : null, Database.FromMs(r.ReceivedAt))).ToList());

    public Task<bool> DeliverySeenAsync(string key) => With(async c =>
        await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM webhook_deliveries WHERE delivery_key = @key", new { key }) > 0);

    public Task RecordDeliveryAsync(string key, string source) => With(c =>
        c.ExecuteAsync($"{D.InsertIgnore} INTO webhook_deliveries (delivery_key, source, received_at) VALUES (@key, @source, @now)",
            new { key, source, now = NowMs }));

    sealed class CiRunRow
    {
        public long ProjectId { get; set; }
        public string Provider { get; set; } = "";
        public string? Repository { get; set; }
        public long RunId { get; set; }
        public long RunAttempt { get; set; }
        public string? Name { get; set; }
        public string? Conclusion { get; set; }
        public string? HeadBranch { get; set; }
        public string? HeadSha { get; set; }
        public string? HtmlUrl { get; set; }
        public string? EventId { get; set; }
        public long? RunUpdatedAt { get; set; }
        public long ReceivedAt { get; set; }
    }
}

public sealed record SeedIssue(long IssueId, long ProjectId, IReadOnlyList<(DateTime Ts, string Level)> Events);
