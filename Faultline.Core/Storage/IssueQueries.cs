using System.Text;
using Dapper;
using Faultline.Core.Issues;

namespace Faultline.Core.Storage;

public sealed record IssueFilter
{
    public long ProjectId { get; init; }
    /// <summary>Comma-separated statuses; null = all.</summary>
    public string? Status { get; init; }
    public string? Environment { get; init; }
    /// <summary>Free text matched case-insensitively against title and culprit.</summary>
    public string? Query { get; init; }
    /// <summary>last_seen | first_seen | event_count | severity</summary>
    public string Sort { get; init; } = "last_seen";
    public int Limit { get; init; } = 50;
    public int Offset { get; init; }
}

public sealed record IssuePage(IReadOnlyList<Issue> Items, int? NextOffset, long Total);

public sealed partial class FaultlineStore
{
    public static readonly IReadOnlyList<string> Sorts = ["last_seen", "first_seen", "event_count", "severity"];
    private const long DayMs = 24 * 3_600_000L;

    private const string IssueColumns =
        "id, project_id, title, type, value, culprit, level, platform, status, severity, event_count, first_seen, last_seen, " +
        "first_release, last_release, fingerprint, unhandled, bead_id, regression_count, resolved_at";

    public Task<IssuePage> ListIssuesAsync(IssueFilter f) => With(async c =>
    {
        var p = new DynamicParameters(new { dormantCutoff = NowMs - DayMs });
        var where = IssueWhere(f, p);
        var order = f.Sort switch
        {
            "first_seen" => "first_seen DESC, id DESC",
            "event_count" => "event_count DESC, id DESC",
            "severity" => "CASE WHEN last_seen < @dormantCutoff THEN 1 WHEN severity = 'rupture' THEN 5 WHEN severity = 'aftershock' THEN 4 " +
                          "WHEN severity = 'quake' THEN 3 ELSE 2 END DESC, last_seen DESC, id DESC",
            _ => "last_seen DESC, id DESC",
        };
        var limit = Math.Clamp(f.Limit, 1, 500);
        p.Add("limit", limit + 1);
        p.Add("offset", Math.Max(0, f.Offset));
        var rows = (await c.QueryAsync<IssueRow>(
            $"SELECT {IssueColumns} FROM issues WHERE {where} ORDER BY {order} LIMIT @limit OFFSET @offset", p)).ToList();
        var total = await c.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM issues WHERE {where}", p);
        var more = rows.Count > limit;
        if (more) rows.RemoveAt(rows.Count - 1);
        var envs = await EnvironmentsFor(c, rows.Select(r => r.Id).ToArray());
        var now = NowMs;
        return new IssuePage(rows.Select(r => r.ToModel(envs, now)).ToList(), more ? f.Offset + limit : null, total);
    });

    /// <summary>The WHERE clause of a filter (shared by the list, its total and the per-status counts).</summary>
    private static string IssueWhere(IssueFilter f, DynamicParameters p)
    {
        var where = new StringBuilder("project_id = @ProjectId");
        p.Add("ProjectId", f.ProjectId);
        if (!string.IsNullOrWhiteSpace(f.Status))
        {
            where.Append(" AND status IN @statuses");
            p.Add("statuses", f.Status.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }
        if (!string.IsNullOrWhiteSpace(f.Environment))
        {
            where.Append(" AND EXISTS (SELECT 1 FROM issue_environments ie WHERE ie.issue_id = issues.id AND ie.environment = @env)");
            p.Add("env", f.Environment);
        }
        if (!string.IsNullOrWhiteSpace(f.Query))
        {
            // '!' as escape character: a backslash means different things in SQLite and MySQL literals.
            where.Append(" AND (LOWER(title) LIKE @q ESCAPE '!' OR LOWER(culprit) LIKE @q ESCAPE '!')");
            var escaped = f.Query.Trim().ToLowerInvariant().Replace("!", "!!").Replace("%", "!%").Replace("_", "!_");
            p.Add("q", "%" + escaped + "%");
        }
        return where.ToString();
    }

    public Task<Issue?> GetIssueAsync(long projectId, long issueId) => With(async c =>
    {
        var row = await c.QueryFirstOrDefaultAsync<IssueRow>(
            $"SELECT {IssueColumns} FROM issues WHERE id = @issueId AND project_id = @projectId", new { issueId, projectId });
        if (row is null) return null;
        return row.ToModel(await EnvironmentsFor(c, [row.Id]), NowMs);
    });

    public Task<IReadOnlyList<string>> ListEnvironmentsAsync(long projectId) => With<IReadOnlyList<string>>(async c =>
        (await c.QueryAsync<string>(
            "SELECT DISTINCT ie.environment FROM issue_environments ie JOIN issues i ON i.id = ie.issue_id WHERE i.project_id = @projectId ORDER BY ie.environment",
            new { projectId })).ToList());

    /// <summary>Moves an issue to a status and writes the timeline entry in the same transaction.</summary>
    public Task<bool> SetIssueStatusAsync(long projectId, long issueId, string status, string lifecycleKind, string detail) => With(async c =>
    {
        await using var tx = await c.BeginTransactionAsync();
        var now = NowMs;
        var n = await c.ExecuteAsync(
            "UPDATE issues SET status = @status, resolved_at = CASE WHEN @status = 'resolved' THEN @now ELSE NULL END WHERE id = @issueId AND project_id = @projectId",
            new { status, now, issueId, projectId }, tx);
        if (n == 0) return false;
        await c.ExecuteAsync("INSERT INTO lifecycle (project_id, issue_id, kind, detail, created_at) VALUES (@projectId, @issueId, @lifecycleKind, @detail, @now)",
            new { projectId, issueId, lifecycleKind, detail, now }, tx);
        await RecordIssueChangeAsync(c, tx, issueId, now, History.IssueHistory.ReasonStatus);
        await tx.CommitAsync();
        return true;
    });

    public Task AddLifecycleAsync(long projectId, long issueId, string kind, string detail) => With(c =>
        c.ExecuteAsync("INSERT INTO lifecycle (project_id, issue_id, kind, detail, created_at) VALUES (@projectId, @issueId, @kind, @detail, @now)",
            new { projectId, issueId, kind, detail, now = NowMs }));

    public Task<IReadOnlyList<LifecycleEntry>> ListLifecycleAsync(long projectId, long issueId) => With<IReadOnlyList<LifecycleEntry>>(async c =>
        (await c.QueryAsync<LifecycleRow>(
            "SELECT id, project_id, issue_id, kind, detail, created_at FROM lifecycle WHERE issue_id = @issueId AND project_id = @projectId ORDER BY created_at, id",
            new { issueId, projectId }))
        .Select(r => new LifecycleEntry(r.Id, r.ProjectId, r.IssueId, r.Kind, r.Detail, Database.FromMs(r.CreatedAt))).ToList());

    public Task<IReadOnlyList<TagCount>> ListIssueTagsAsync(long issueId, int perKey = 10) => With<IReadOnlyList<TagCount>>(async c =>
        (await c.QueryAsync<TagRow>("SELECT tag_key, tag_value, count FROM issue_tags WHERE issue_id = @issueId ORDER BY tag_key, count DESC", new { issueId }))
        .GroupBy(t => t.TagKey).SelectMany(g => g.Take(perKey)).Select(t => new TagCount(t.TagKey, t.TagValue, t.Count)).ToList());

    /// <summary>Event counts per hour for the last <paramref name="hours"/> hours, oldest first (zeros filled).</summary>
    public Task<long[]> IssueHourlyAsync(long issueId, int hours) => Hourly("issue_hourly", "issue_id", issueId, hours);
    public Task<long[]> ProjectHourlyAsync(long projectId, int hours) => Hourly("project_hourly", "project_id", projectId, hours);

    private Task<long[]> Hourly(string table, string keyColumn, long key, int hours) => With(async c =>
    {
        var from = HourWindowStart(hours);
        var rows = await c.QueryAsync<(long Hour, long Count)>(
            $"SELECT hour, count FROM {table} WHERE {keyColumn} = @key AND hour >= @from", new { key, from });
        var result = new long[hours];
        foreach (var (hour, count) in rows) AddToHour(result, from, hour, count);
        return result;
    });

    /// <summary>Start (unix ms) of the oldest of the last <paramref name="hours"/> hourly buckets; the current hour is the last.</summary>
    private long HourWindowStart(int hours) => NowMs / 3_600_000 * 3_600_000 - (hours - 1) * 3_600_000L;

    /// <summary>Adds an hourly counter row to its bucket; rows outside the window are ignored.</summary>
    private static void AddToHour(long[] buckets, long from, long hour, long count)
    {
        var i = (hour - from) / 3_600_000;
        if (i >= 0 && i < buckets.Length) buckets[i] += count;
    }

    private static async Task<Dictionary<long, List<string>>> EnvironmentsFor(System.Data.Common.DbConnection c, long[] ids)
    {
        if (ids.Length == 0) return [];
        var rows = await c.QueryAsync<(long IssueId, string Environment)>(
            "SELECT issue_id, environment FROM issue_environments WHERE issue_id IN @ids ORDER BY environment", new { ids });
        return rows.GroupBy(r => r.IssueId).ToDictionary(g => g.Key, g => g.Select(r => r.Environment).ToList());
    }

    private sealed class IssueRow
    {
        public long Id { get; set; }
        public long ProjectId { get; set; }
        public string Title { get; set; } = "";
        public string Type { get; set; } = "";
        public string Value { get; set; } = "";
        public string Culprit { get; set; } = "";
        public string Level { get; set; } = "";
        public string Platform { get; set; } = "";
        public string Status { get; set; } = "";
        public string Severity { get; set; } = "";
        public long EventCount { get; set; }
        public long FirstSeen { get; set; }
        public long LastSeen { get; set; }
        public string? FirstRelease { get; set; }
        public string? LastRelease { get; set; }
        public string Fingerprint { get; set; } = "";
        public long Unhandled { get; set; }
        public string? BeadId { get; set; }
        public long RegressionCount { get; set; }
        public long? ResolvedAt { get; set; }

        public Issue ToModel(Dictionary<long, List<string>> envs, long now) => new()
        {
            Id = Id, ProjectId = ProjectId, Title = Title, Type = Type, Value = Value, Culprit = Culprit, Level = Level,
            Platform = Platform, Status = Status,
            // Dormancy is a function of time, so it is derived on read rather than stored.
            Severity = LastSeen < now - DayMs ? Issues.Severity.Dormant : Severity,
            EventCount = EventCount, FirstSeen = Database.FromMs(FirstSeen), LastSeen = Database.FromMs(LastSeen),
            Environments = envs.GetValueOrDefault(Id) ?? [], FirstRelease = FirstRelease, LastRelease = LastRelease,
            Fingerprint = Fingerprint, Unhandled = Unhandled != 0, BeadId = BeadId, RegressionCount = (int)RegressionCount,
            ResolvedAt = ResolvedAt is { } r ? Database.FromMs(r) : null,
        };
    }

    private sealed class LifecycleRow
    {
        public long Id { get; set; }
        public long ProjectId { get; set; }
        public long IssueId { get; set; }
        public string Kind { get; set; } = "";
        public string Detail { get; set; } = "";
        public long CreatedAt { get; set; }
    }

    private sealed class TagRow
    {
        public string TagKey { get; set; } = "";
        public string TagValue { get; set; } = "";
        public long Count { get; set; }
    }
}
