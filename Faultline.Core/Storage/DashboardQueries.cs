using Dapper;
using Faultline.Core.Issues;
using Faultline.Core.Ops;

namespace Faultline.Core.Storage;

/// <summary>What the projects overview needs about one project beyond its row.</summary>
/// <param name="Unresolved">Issues in active, fixing or stabilizing.</param>
/// <param name="ActiveLastDay">Unresolved issues with an event in the last 24 h.</param>
/// <param name="CriticalLastDay">Of those, how many are ruptures or fatal.</param>
/// <param name="LatestPlatform">Platform of the most recently seen issue (projects rarely set one).</param>
public sealed record ProjectHealth(long Unresolved, long ActiveLastDay, long CriticalLastDay, string? LatestPlatform);

/// <summary>One overview card's numbers: health, hourly events (oldest first, the current hour last) and all events kept.</summary>
public sealed record ProjectOverview(ProjectHealth Health, long[] Hourly, long TotalEvents)
{
    public static ProjectOverview Empty(int hours = 24) => new(new ProjectHealth(0, 0, 0, null), new long[hours], 0);
}

/// <summary>The operations side of one overview card.</summary>
/// <param name="Uptime">Uptime checks over the last 24 h (<see cref="UptimeSummary.Percent"/> null = no checks).</param>
/// <param name="LatestHeartbeatEvent">The newest <c>heartbeat_down</c>/<c>heartbeat_recovered</c> ops event, or null.
/// It is <see cref="HeartbeatMonitor"/>'s recorded verdict, so the overview and the monitor agree.</param>
public sealed record ProjectOps(long ProjectId, UptimeSummary Uptime, OpsEvent? LatestHeartbeatEvent)
{
    /// <summary>The heartbeat monitor's last word on this project is "down".</summary>
    public bool HeartbeatDown => LatestHeartbeatEvent?.Kind == OpsEventKinds.HeartbeatDown;
}

/// <summary>Where an event sits among its issue's events (newest first).</summary>
public sealed record EventPosition(string? NewerEventId, string? OlderEventId, string? NewestEventId, string? OldestEventId, long Index);

/// <summary>Read queries the dashboard needs; each is one indexed query so a live refresh stays cheap.</summary>
public sealed partial class FaultlineStore
{
    private const string UnresolvedIn = "('active', 'fixing', 'stabilizing')";

    /// <summary>
    /// Health, <paramref name="hours"/>-hour trend and total events of every project, in four queries whatever
    /// the number of projects: the overview re-reads this on every live change.
    /// </summary>
    public Task<IReadOnlyDictionary<long, ProjectOverview>> OverviewAsync(int hours = 24) => With<IReadOnlyDictionary<long, ProjectOverview>>(async c =>
    {
        var since = NowMs - DayMs;
        var health = (await c.QueryAsync<HealthRow>(
            "SELECT project_id, COUNT(*) AS unresolved, " +
            "COALESCE(SUM(CASE WHEN last_seen >= @since THEN 1 ELSE 0 END), 0) AS active_last_day, " +
            "COALESCE(SUM(CASE WHEN last_seen >= @since AND (severity = 'rupture' OR level = 'fatal') THEN 1 ELSE 0 END), 0) AS critical_last_day " +
            $"FROM issues WHERE status IN {UnresolvedIn} GROUP BY project_id", new { since })).ToDictionary(r => r.ProjectId);
        // Platform of each project's most recently seen issue (ties: any of them).
        var platforms = new Dictionary<long, string?>();
        foreach (var (projectId, platform) in await c.QueryAsync<(long, string?)>(
                     "SELECT i.project_id, i.platform FROM issues i JOIN (SELECT project_id, MAX(last_seen) AS latest FROM issues GROUP BY project_id) m " +
                     "ON m.project_id = i.project_id AND i.last_seen = m.latest"))
            platforms.TryAdd(projectId, platform);
        var from = HourWindowStart(hours);
        var trends = new Dictionary<long, long[]>();
        foreach (var (projectId, hour, count) in await c.QueryAsync<(long, long, long)>(
                     "SELECT project_id, hour, count FROM project_hourly WHERE hour >= @from", new { from }))
        {
            if (!trends.TryGetValue(projectId, out var trend)) trends[projectId] = trend = new long[hours];
            AddToHour(trend, from, hour, count);
        }
        var totals = (await c.QueryAsync<TotalRow>(
            "SELECT project_id, COALESCE(SUM(count), 0) AS total FROM project_hourly GROUP BY project_id")).ToDictionary(r => r.ProjectId, r => r.Total);

        var result = new Dictionary<long, ProjectOverview>();
        foreach (var id in health.Keys.Concat(platforms.Keys).Concat(trends.Keys).Concat(totals.Keys).Distinct())
        {
            var h = health.GetValueOrDefault(id);
            result[id] = new ProjectOverview(
                new ProjectHealth(h?.Unresolved ?? 0, h?.ActiveLastDay ?? 0, h?.CriticalLastDay ?? 0, platforms.GetValueOrDefault(id)),
                trends.GetValueOrDefault(id) ?? new long[hours], totals.GetValueOrDefault(id));
        }
        return result;
    });

    /// <summary>
    /// 24 h uptime and the latest heartbeat verdict of every project, in ONE query (the overview
    /// must not do a query per project for this): a grouped range scan of uptime_checks on
    /// checked_at plus, per project, one index probe of ops_events (project_id, created_at).
    /// Every project is in the result, with an empty summary when it has no checks.
    /// </summary>
    public Task<IReadOnlyDictionary<long, ProjectOps>> ListProjectOpsAsync(TimeSpan? window = null) =>
        With<IReadOnlyDictionary<long, ProjectOps>>(async c =>
        {
            var since = NowMs - (long)(window ?? TimeSpan.FromHours(24)).TotalMilliseconds;
            var rows = await c.QueryAsync<ProjectOpsRow>(
                "SELECT p.id AS project_id, u.checks, u.up, u.last_check_at, e.id AS event_id, e.kind, e.detail, e.created_at " +
                "FROM projects p " +
                "LEFT JOIN (SELECT project_id, COUNT(*) AS checks, SUM(ok) AS up, MAX(checked_at) AS last_check_at " +
                "  FROM uptime_checks WHERE checked_at >= @since GROUP BY project_id) u ON u.project_id = p.id " +
                "LEFT JOIN ops_events e ON e.id = (SELECT o.id FROM ops_events o WHERE o.project_id = p.id AND o.kind IN (@down, @recovered) " +
                "  ORDER BY o.created_at DESC, o.id DESC LIMIT 1) " +
                "ORDER BY p.id",
                new { since, down = OpsEventKinds.HeartbeatDown, recovered = OpsEventKinds.HeartbeatRecovered });
            return rows.ToDictionary(r => r.ProjectId, r => new ProjectOps(
                r.ProjectId,
                new UptimeSummary(r.ProjectId, r.Checks ?? 0, r.Up ?? 0, r.LastCheckAt is { } l ? Database.FromMs(l) : null),
                r.EventId is { } id ? new OpsEvent(id, r.ProjectId, r.Kind ?? "", r.Detail ?? "", Database.FromMs(r.CreatedAt ?? 0)) : null));
        });

    /// <summary>Issue counts per status for the list's filter tabs (same environment and search as the list).</summary>
    public Task<IReadOnlyDictionary<string, long>> CountIssuesByStatusAsync(long projectId, string? environment, string? query) =>
        With<IReadOnlyDictionary<string, long>>(async c =>
        {
            var p = new DynamicParameters();
            var where = IssueWhere(new IssueFilter { ProjectId = projectId, Environment = environment, Query = query }, p);
            var rows = await c.QueryAsync<(string Status, long N)>($"SELECT status, COUNT(*) FROM issues WHERE {where} GROUP BY status", p);
            return rows.ToDictionary(r => r.Status, r => r.N);
        });

    /// <summary>Hourly counts for many issues at once (one query for a whole list page), oldest first.</summary>
    public Task<IReadOnlyDictionary<long, long[]>> IssuesHourlyAsync(IReadOnlyCollection<long> issueIds, int hours) =>
        With<IReadOnlyDictionary<long, long[]>>(async c =>
        {
            var result = issueIds.Distinct().ToDictionary(id => id, _ => new long[hours]);
            if (result.Count == 0) return result;
            var from = HourWindowStart(hours);
            var rows = await c.QueryAsync<(long IssueId, long Hour, long Count)>(
                "SELECT issue_id, hour, count FROM issue_hourly WHERE issue_id IN @ids AND hour >= @from", new { ids = result.Keys.ToArray(), from });
            foreach (var (issueId, hour, count) in rows)
                if (result.TryGetValue(issueId, out var series)) AddToHour(series, from, hour, count);
            return result;
        });

    /// <summary>The neighbours of <paramref name="current"/> among its issue's events, ordered newest first.</summary>
    public Task<EventPosition> EventPositionAsync(StoredEvent current) => With(async c =>
    {
        var p = new { issueId = current.IssueId, projectId = current.ProjectId, ts = Database.Ms(current.Timestamp), id = current.Id };
        const string Same = "issue_id = @issueId AND project_id = @projectId";
        const string Newer = "(timestamp > @ts OR (timestamp = @ts AND id > @id))";
        const string Older = "(timestamp < @ts OR (timestamp = @ts AND id < @id))";
        var newer = await c.QueryFirstOrDefaultAsync<string?>($"SELECT event_id FROM events WHERE {Same} AND {Newer} ORDER BY timestamp, id LIMIT 1", p);
        var older = await c.QueryFirstOrDefaultAsync<string?>($"SELECT event_id FROM events WHERE {Same} AND {Older} ORDER BY timestamp DESC, id DESC LIMIT 1", p);
        var newest = newer is null ? null : await c.QueryFirstOrDefaultAsync<string?>($"SELECT event_id FROM events WHERE {Same} ORDER BY timestamp DESC, id DESC LIMIT 1", p);
        var oldest = older is null ? null : await c.QueryFirstOrDefaultAsync<string?>($"SELECT event_id FROM events WHERE {Same} ORDER BY timestamp, id LIMIT 1", p);
        var index = newer is null ? 0 : await c.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM events WHERE {Same} AND {Newer}", p);
        return new EventPosition(newer, older, newest, oldest, index);
    });

    private sealed class ProjectOpsRow
    {
        public long ProjectId { get; set; }
        public long? Checks { get; set; }
        public long? Up { get; set; }
        public long? LastCheckAt { get; set; }
        public long? EventId { get; set; }
        public string? Kind { get; set; }
        public string? Detail { get; set; }
        public long? CreatedAt { get; set; }
    }

    private sealed class TotalRow
    {
        public long ProjectId { get; set; }
        public long Total { get; set; }
    }

    private sealed class HealthRow
    {
        public long ProjectId { get; set; }
        public long Unresolved { get; set; }
        public long ActiveLastDay { get; set; }
        public long CriticalLastDay { get; set; }
    }
}
