using System.Globalization;
using Faultline.Core.Storage;
using Faultline.Core.Storage.Dolt;
using Faultline.Core.Storage.History;

namespace Faultline.Web.Endpoints;

/// <summary>
/// Issue history on every backend: snapshots, the issue as of a time or commit, and the commits that
/// touched it (Dolt's log on Dolt, Faultline's batch log elsewhere — the answer says which).
/// </summary>
public static class HistoryEndpoints
{
    public static IEndpointRouteBuilder MapHistoryApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/{project_id}/issues/{issue_id}/history/", async (long project_id, long issue_id, FaultlineStore store) =>
        {
            var items = await store.ListIssueHistoryAsync(project_id, issue_id);
            // History outlives the issue (retention keeps it), so only "never existed" is a 404.
            if (items.Count == 0 && await store.GetIssueAsync(project_id, issue_id) is null)
                return ApiAuth.Error(404, $"issue {issue_id} not found in project {project_id}");
            return Results.Json(new { issue_id, project_id, items = items.Select(Snapshot) }, ApiJson.Options);
        }).RequireToken();

        app.MapGet("/api/{project_id}/issues/{issue_id}/as-of/", async (long project_id, long issue_id, string? at,
            FaultlineStore store, Database db, DoltHistoryReader dolt) =>
        {
            if (string.IsNullOrWhiteSpace(at))
                return ApiAuth.Error(400, "at is required: an ISO 8601 time (2026-03-01T12:00:00Z), a batch id, or a Dolt commit hash");
            at = at.Trim();
            IssueSnapshot? found;
            if (DoltSql.IsCommitHash(at))
            {
                if (!db.IsDolt)
                    return ApiAuth.Error(400, $"'{at}' looks like a Dolt commit hash, but this server does not run on Dolt: its commit ids are batch numbers");
                found = await dolt.IssueAsOfCommitAsync(project_id, issue_id, at);
            }
            else if (long.TryParse(at, NumberStyles.None, CultureInfo.InvariantCulture, out var batchId))
                found = await store.IssueAsOfBatchAsync(project_id, issue_id, batchId);
            else if (TryParseTime(at, out var time))
                found = await store.IssueAsOfTimeAsync(project_id, issue_id, time);
            else
                return ApiAuth.Error(400, $"at '{at}' is neither an ISO 8601 time, a batch id nor a Dolt commit hash");

            if (found is not null)
                return Results.Json(new { as_of = at, issue = Snapshot(found) }, ApiJson.Options);
            var start = await store.IssueHistoryStartAsync(project_id, issue_id);
            return ApiAuth.Error(404, start is { } s
                ? $"issue {issue_id} did not exist yet at {at}: its history starts at {ApiJson.Iso(s)}"
                : $"issue {issue_id} has no history in project {project_id}");
        }).RequireToken();

        app.MapGet("/api/{project_id}/issues/{issue_id}/dolt-log/", async (long project_id, long issue_id, HttpRequest req,
            FaultlineStore store, Database db, DoltHistoryReader dolt) =>
        {
            var limit = 100;
            if (req.Query["limit"].ToString() is { Length: > 0 } l && (!int.TryParse(l, out limit) || limit is < 1 or > DoltSql.MaxLogLimit))
                return ApiAuth.Error(400, $"limit must be an integer from 1 to {DoltSql.MaxLogLimit}");
            if (await store.ListIssueHistoryAsync(project_id, issue_id) is { Count: 0 } && await store.GetIssueAsync(project_id, issue_id) is null)
                return ApiAuth.Error(404, $"issue {issue_id} not found in project {project_id}");
            var (source, items) = db.IsDolt
                ? (IssueLogSource.Dolt, await dolt.LogForIssueAsync(issue_id, limit))
                : (IssueLogSource.BatchLog, await store.BatchLogForIssueAsync(project_id, issue_id, limit));
            return Results.Json(new
            {
                issue_id, source,
                items = items.Select(e => new
                {
                    commit_hash = e.CommitHash, committer = e.Committer, email = e.Email, date = ApiJson.Iso(e.Date),
                    message = e.Message, diff_type = e.DiffType,
                }),
            }, ApiJson.Options);
        }).RequireToken();

        return app;
    }

    private static object Snapshot(IssueSnapshot s) => new
    {
        issue_id = s.IssueId, project_id = s.ProjectId, commit_id = s.CommitId, batch_id = s.BatchId, at = ApiJson.Iso(s.At),
        status = s.Status, level = s.Level, severity = s.Severity, event_count = s.EventCount, last_seen = ApiJson.Iso(s.LastSeen),
        bead_id = s.BeadId, reason = s.Reason,
    };

    /// <summary>ISO 8601 with a date part; a time without offset is UTC.</summary>
    internal static bool TryParseTime(string s, out DateTime utc)
    {
        utc = default;
        if (s.Length < 10 || !char.IsAsciiDigit(s[0])) return false;
        if (!DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t))
            return false;
        utc = t.UtcDateTime;
        return true;
    }
}
