using Dapper;
using Faultline.Core.Issues;
using Faultline.Core.Ops;

namespace Faultline.Core.Storage;

/// <summary>Queries of the operations features: uptime checks, heartbeats, ops events, health.</summary>
public sealed partial class FaultlineStore
{
    public Task RecordUptimeCheckAsync(UptimeCheck c) => With(conn => conn.ExecuteAsync(
        "INSERT INTO uptime_checks (project_id, checked_at, url, status_code, latency_ms, ok, error) " +
        "VALUES (@ProjectId, @at, @url, @StatusCode, @LatencyMs, @ok, @error)",
        new
        {
            c.ProjectId, at = Database.Ms(c.CheckedAt), url = BatchWriter.Trunc(c.Url, 2000), c.StatusCode, c.LatencyMs,
            ok = c.Ok ? 1 : 0, error = BatchWriter.Trunc(c.Error, 500),
        }));

    /// <summary>Uptime of one project over the last <paramref name="window"/> (default 24 h).</summary>
    public async Task<UptimeSummary> GetUptimeAsync(long projectId, TimeSpan? window = null)
    {
        var all = await ListUptimeAsync(window, projectId);
        return all.FirstOrDefault() ?? new UptimeSummary(projectId, 0, 0, null);
    }

    /// <summary>Uptime of every project with checks in the window (index range scan on checked_at per project).</summary>
    public Task<IReadOnlyList<UptimeSummary>> ListUptimeAsync(TimeSpan? window = null, long? projectId = null) => With<IReadOnlyList<UptimeSummary>>(async c =>
    {
        var since = NowMs - (long)(window ?? TimeSpan.FromHours(24)).TotalMilliseconds;
        var rows = await c.QueryAsync<UptimeRow>(
            "SELECT project_id, COUNT(*) AS checks, SUM(ok) AS up, MAX(checked_at) AS last_check_at FROM uptime_checks " +
            "WHERE checked_at >= @since" + (projectId is null ? "" : " AND project_id = @projectId") + " GROUP BY project_id ORDER BY project_id",
            new { since, projectId });
        return rows.Select(r => new UptimeSummary(r.ProjectId, r.Checks, r.Up ?? 0, r.LastCheckAt is { } l ? Database.FromMs(l) : null)).ToList();
    });

    public Task<IReadOnlyList<UptimeCheck>> LatestUptimeChecksAsync(long projectId, int limit = 20) => With<IReadOnlyList<UptimeCheck>>(async c =>
    {
        var rows = await c.QueryAsync<UptimeCheckRow>(
            "SELECT project_id, checked_at, url, status_code, latency_ms, ok, error FROM uptime_checks WHERE project_id = @projectId " +
            "ORDER BY checked_at DESC, id DESC LIMIT @limit", new { projectId, limit });
        return rows.Select(r => new UptimeCheck(r.ProjectId, Database.FromMs(r.CheckedAt), r.Url, (int?)r.StatusCode, (int?)r.LatencyMs, r.Ok != 0, r.Error)).ToList();
    });

    public Task<int> PruneUptimeChecksAsync(DateTime before) => With(c =>
        c.ExecuteAsync("DELETE FROM uptime_checks WHERE checked_at < @before", new { before = Database.Ms(before) }));

    /// <summary>The most recent heartbeat times of a project, newest first.</summary>
    public Task<IReadOnlyList<DateTime>> RecentHeartbeatsAsync(long projectId, int limit = 20) => With<IReadOnlyList<DateTime>>(async c =>
        (await c.QueryAsync<long>("SELECT at FROM heartbeats WHERE project_id = @projectId ORDER BY at DESC LIMIT @limit", new { projectId, limit }))
        .Select(Database.FromMs).ToList());

    public Task<OpsEvent> AddOpsEventAsync(long projectId, string kind, string detail) => With(async c =>
    {
        var now = NowMs;
        await c.ExecuteAsync("INSERT INTO ops_events (project_id, kind, detail, created_at) VALUES (@projectId, @kind, @detail, @now)",
            new { projectId, kind, detail, now });
        var id = await c.ExecuteScalarAsync<long>(
            "SELECT MAX(id) FROM ops_events WHERE project_id = @projectId AND kind = @kind AND created_at = @now", new { projectId, kind, now });
        return new OpsEvent(id, projectId, kind, detail, Database.FromMs(now));
    });

    /// <summary>The newest ops event of a project among <paramref name="kinds"/>, or null.</summary>
    public Task<OpsEvent?> LatestOpsEventAsync(long projectId, params string[] kinds) => With(async c =>
        (await c.QueryFirstOrDefaultAsync<OpsEventRow>(
            "SELECT id, project_id, kind, detail, created_at FROM ops_events WHERE project_id = @projectId AND kind IN @kinds " +
            "ORDER BY created_at DESC, id DESC LIMIT 1", new { projectId, kinds }))?.ToModel());

    public Task<IReadOnlyList<OpsEvent>> ListOpsEventsAsync(long projectId, int limit = 50) => With<IReadOnlyList<OpsEvent>>(async c =>
        (await c.QueryAsync<OpsEventRow>(
            "SELECT id, project_id, kind, detail, created_at FROM ops_events WHERE project_id = @projectId ORDER BY created_at DESC, id DESC LIMIT @limit",
            new { projectId, limit })).Select(r => r.ToModel()).ToList());

    /// <summary>Issues not resolved or ignored, over all projects (callers cache it).</summary>
    public Task<long> CountOpenIssuesAsync() => With(c => c.ExecuteScalarAsync<long>(
        "SELECT COUNT(*) FROM issues WHERE status IN @open", new { open = new[] { IssueStatus.Active, IssueStatus.Fixing, IssueStatus.Stabilizing } }));

    private sealed class UptimeRow
    {
        public long ProjectId { get; set; }
        public long Checks { get; set; }
        public long? Up { get; set; }
        public long? LastCheckAt { get; set; }
    }

    private sealed class UptimeCheckRow
    {
        public long ProjectId { get; set; }
        public long CheckedAt { get; set; }
        public string Url { get; set; } = "";
        public long? StatusCode { get; set; }
        public long? LatencyMs { get; set; }
        public long Ok { get; set; }
        public string? Error { get; set; }
    }

    private sealed class OpsEventRow
    {
        public long Id { get; set; }
        public long ProjectId { get; set; }
        public string Kind { get; set; } = "";
        public string Detail { get; set; } = "";
        public long CreatedAt { get; set; }
        public OpsEvent ToModel() => new(Id, ProjectId, Kind, Detail, Database.FromMs(CreatedAt));
    }
}
