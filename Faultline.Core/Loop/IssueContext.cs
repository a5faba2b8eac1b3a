using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Faultline.Core.Events;
using Faultline.Core.Ingest;
using Faultline.Core.Issues;
using Faultline.Core.Storage;

namespace Faultline.Core.Loop;

/// <summary>
/// Everything a polecat needs to fix an issue, in one document (the context endpoint): the exceptions of the
/// latest event with in-app frames and context lines, recent events, counts per hour, environments,
/// releases, tags, the latest event's breadcrumbs, the project's CI runs and the issue's timeline.
/// </summary>
public sealed record IssueContext(
    Issue Issue, string? Rig, IReadOnlyList<EventDigest> RecentEvents, IReadOnlyList<(DateTime Hour, long Count)> Hourly,
    IReadOnlyList<(string Release, long Count, DateTime LastSeen)> Releases, IReadOnlyList<TagCount> Tags,
    IReadOnlyList<CiRun> CiRuns, IReadOnlyList<LifecycleEntry> Lifecycle)
{
    public const int RecentEventCount = 10;
    public const int HourlyWindow = 48;
    const int MaxBreadcrumbs = 50;

    public EventDigest? Latest => RecentEvents.Count > 0 ? RecentEvents[0] : null;

    public static async Task<IssueContext?> LoadAsync(FaultlineStore store, LoopStore loop, ProjectDirectory projects,
        TimeProvider clock, long projectId, long issueId)
    {
        if (await store.GetIssueAsync(projectId, issueId) is not { } issue) return null;
        var events = await store.ListIssueEventsAsync(projectId, issueId, RecentEventCount);
        var counts = await store.IssueHourlyAsync(issueId, HourlyWindow);
        var currentHour = Database.FromMs(Database.Ms(clock.GetUtcNow().UtcDateTime) / 3_600_000 * 3_600_000);
        var hourly = counts.Select((c, i) => (currentHour.AddHours(i - (HourlyWindow - 1)), c)).ToList();
        return new IssueContext(issue, projects.ById(projectId)?.Rig, events.Select(EventDigest.From).ToList(), hourly,
            await loop.ListIssueReleasesAsync(issueId), await store.ListIssueTagsAsync(issueId),
            await loop.ListCiRunsAsync(projectId, 20), await store.ListLifecycleAsync(projectId, issueId));
    }

    public JsonObject ToJson(string contextUrl)
    {
        var i = Issue;
        return new JsonObject
        {
            ["issue"] = new JsonObject
            {
                ["id"] = i.Id, ["project_id"] = i.ProjectId, ["title"] = i.Title, ["type"] = i.Type, ["value"] = i.Value,
                ["culprit"] = i.Culprit, ["level"] = i.Level, ["platform"] = i.Platform, ["status"] = i.Status, ["severity"] = i.Severity,
                ["unhandled"] = i.Unhandled, ["event_count"] = i.EventCount, ["first_seen"] = Iso(i.FirstSeen), ["last_seen"] = Iso(i.LastSeen),
                ["bead_id"] = i.BeadId, ["rig"] = Rig, ["regression_count"] = i.RegressionCount, ["resolved_at"] = i.ResolvedAt is { } r ? Iso(r) : null,
                ["fingerprint"] = i.Fingerprint, ["context_url"] = contextUrl,
            },
            ["exceptions"] = Latest is { } e ? new JsonArray(e.Exceptions.Select(ExceptionJson).ToArray<JsonNode?>()) : new JsonArray(),
            ["recent_events"] = new JsonArray(RecentEvents.Select(EventJson).ToArray<JsonNode?>()),
            ["counts_per_hour"] = new JsonArray(Hourly.Select(h => (JsonNode?)new JsonObject { ["hour"] = Iso(h.Hour), ["count"] = h.Count }).ToArray()),
            ["environments"] = new JsonArray(i.Environments.Select(x => (JsonNode?)x).ToArray()),
            ["releases"] = new JsonArray(Releases.Select(r => (JsonNode?)new JsonObject
                { ["release"] = r.Release, ["events"] = r.Count, ["last_seen"] = Iso(r.LastSeen) }).ToArray()),
            ["tags"] = new JsonArray(Tags.Select(t => (JsonNode?)new JsonObject { ["key"] = t.Key, ["value"] = t.Value, ["count"] = t.Count }).ToArray()),
            ["breadcrumbs"] = new JsonArray((Latest?.Breadcrumbs ?? []).TakeLast(MaxBreadcrumbs).Select(b => b.DeepClone()).ToArray()),
            ["ci_runs"] = new JsonArray(CiRuns.Select(CiJson).ToArray<JsonNode?>()),
            ["lifecycle"] = new JsonArray(Lifecycle.Select(l => (JsonNode?)new JsonObject
                { ["kind"] = l.Kind, ["detail"] = l.Detail, ["created_at"] = Iso(l.CreatedAt) }).ToArray()),
        };
    }

    public string ToMarkdown(string contextUrl)
    {
        var i = Issue;
        var sb = new StringBuilder();
        sb.AppendLine($"# {Line(i.Title)}");
        sb.AppendLine();
        sb.AppendLine($"- **Issue:** {i.Id} in project {i.ProjectId}{(Rig is null ? "" : $" (rig {Rig})")}, status {i.Status}, severity {i.Severity}");
        sb.AppendLine($"- **Exception:** {Line(i.Type)}: {Line(i.Value)}");
        sb.AppendLine($"- **Culprit:** {Line(i.Culprit)}");
        sb.AppendLine($"- **Level:** {i.Level} ({(i.Unhandled ? "unhandled" : "handled")}), platform {i.Platform}");
        sb.AppendLine($"- **Events:** {i.EventCount}, first seen {Iso(i.FirstSeen)}, last seen {Iso(i.LastSeen)}");
        sb.AppendLine($"- **Bead:** {i.BeadId ?? "none"}; regressions: {i.RegressionCount}");
        sb.AppendLine($"- **Environments:** {(i.Environments.Count == 0 ? "none" : string.Join(", ", i.Environments))}");
        sb.AppendLine($"- **Releases:** {(Releases.Count == 0 ? "none" : string.Join(", ", Releases.Select(r => $"{r.Release} ({r.Count})")))}");
        sb.AppendLine($"- **This document:** {contextUrl}");

        sb.AppendLine().AppendLine("## Exceptions (latest event, in-app frames)").AppendLine();
        if (Latest is { } latest) BeadContent.AppendExceptions(sb, latest, maxFrames: 50);
        else sb.AppendLine("No stored events.").AppendLine();

        sb.AppendLine("## Recent events").AppendLine();
        foreach (var e in RecentEvents)
            sb.AppendLine($"- {Iso(e.ReceivedAt)} `{e.EventId}` {e.Level}{(e.Environment is null ? "" : $" env={e.Environment}")}" +
                          $"{(e.Release is null ? "" : $" release={e.Release}")}: {Line(Summary(e))}");

        sb.AppendLine().AppendLine($"## Events per hour (last {HourlyWindow} h, non-zero)").AppendLine();
        var busy = Hourly.Where(h => h.Count > 0).ToList();
        if (busy.Count == 0) sb.AppendLine("None in the window.");
        foreach (var (hour, count) in busy) sb.AppendLine($"- {Iso(hour)}: {count}");

        sb.AppendLine().AppendLine("## Tags").AppendLine();
        if (Tags.Count == 0) sb.AppendLine("None.");
        foreach (var t in Tags) sb.AppendLine($"- {Line(t.Key)} = {Line(t.Value)} ({t.Count})");

        sb.AppendLine().AppendLine("## Breadcrumbs (latest event)").AppendLine();
        var crumbs = (Latest?.Breadcrumbs ?? []).TakeLast(MaxBreadcrumbs).ToList();
        if (crumbs.Count == 0) sb.AppendLine("None.");
        foreach (var b in crumbs)
            sb.AppendLine($"- {Text(b["timestamp"])} [{Text(b["category"]) ?? Text(b["type"]) ?? "-"}] {Line(Text(b["message"]) ?? b["data"]?.ToJsonString() ?? "")}");

        sb.AppendLine().AppendLine("## CI runs (project)").AppendLine();
        if (CiRuns.Count == 0) sb.AppendLine("None recorded.");
        foreach (var r in CiRuns)
            sb.AppendLine($"- {Iso(r.ReceivedAt)} {Line(r.Name ?? "workflow")} #{r.RunId} attempt {r.RunAttempt}: **{r.Conclusion ?? "?"}** " +
                          $"on {r.HeadBranch ?? "?"} @ {(r.HeadSha is { Length: > 7 } s ? s[..7] : r.HeadSha ?? "?")}{(r.HtmlUrl is null ? "" : $" {r.HtmlUrl}")}");

        sb.AppendLine().AppendLine("## Timeline").AppendLine();
        if (Lifecycle.Count == 0) sb.AppendLine("Nothing yet.");
        foreach (var l in Lifecycle) sb.AppendLine($"- {Iso(l.CreatedAt)} **{l.Kind}**: {Line(l.Detail)}");
        return sb.ToString();
    }

    static JsonObject ExceptionJson(ExceptionInfo ex) => new()
    {
        ["type"] = ex.Type, ["value"] = ex.Value, ["module"] = ex.Module, ["handled"] = ex.Handled, ["mechanism"] = ex.MechanismType,
        ["frames"] = new JsonArray(ex.Frames.Select(f => (JsonNode?)new JsonObject
        {
            ["filename"] = f.Filename, ["abs_path"] = f.AbsPath, ["function"] = f.Function, ["module"] = f.Module,
            ["lineno"] = f.Lineno, ["colno"] = f.Colno, ["in_app"] = f.InApp,
            ["pre_context"] = new JsonArray(f.PreContext.Select(x => (JsonNode?)x).ToArray()),
            ["context_line"] = f.ContextLine,
            ["post_context"] = new JsonArray(f.PostContext.Select(x => (JsonNode?)x).ToArray()),
        }).ToArray()),
    };

    static JsonObject EventJson(EventDigest e) => new()
    {
        ["event_id"] = e.EventId, ["received_at"] = Iso(e.ReceivedAt), ["level"] = e.Level, ["environment"] = e.Environment,
        ["release"] = e.Release, ["summary"] = Summary(e),
    };

    static JsonObject CiJson(CiRun r) => new()
    {
        ["provider"] = r.Provider, ["repository"] = r.Repository, ["run_id"] = r.RunId, ["run_attempt"] = r.RunAttempt, ["name"] = r.Name,
        ["conclusion"] = r.Conclusion, ["head_branch"] = r.HeadBranch, ["head_sha"] = r.HeadSha, ["html_url"] = r.HtmlUrl,
        ["event_id"] = r.EventId, ["received_at"] = Iso(r.ReceivedAt),
    };

    static string Summary(EventDigest e) =>
        e.Exceptions.Count > 0 ? $"{e.Exceptions[^1].Type}: {e.Exceptions[^1].Value}" : e.Message ?? "(no message)";

    static string? Text(JsonNode? n) => JsonRead.AnyText(n);
    static string Line(string s) => string.Join(' ', s.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries));
    static string Iso(DateTime t) => DateTime.SpecifyKind(t, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
