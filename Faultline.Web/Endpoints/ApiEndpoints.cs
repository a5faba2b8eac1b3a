using System.Text;
using Faultline.Core.Config;
using Faultline.Core.Ingest;
using Faultline.Core.Issues;
using Faultline.Core.Notify;
using Faultline.Core.Storage;

namespace Faultline.Web.Endpoints;

/// <summary>The token-authenticated read API (projects, issues, events, lifecycle).</summary>
public static class ApiEndpoints
{
    public static IEndpointRouteBuilder MapReadApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/projects/", async (HttpContext http, ProjectDirectory dir, FaultlineOptions o) =>
        {
            var token = http.CurrentToken()!;
            var visible = dir.All.Where(p => TokenScope.Covers(token, p.Id)).OrderBy(p => p.Id);
            return Results.Json(visible.Select(p => ApiJson.Project(p, o.DsnFor(p.Id, p.PublicKey))), ApiJson.Options);
        }).RequireToken();

        app.MapGet("/api/{project_id}/issues/", async (long project_id, HttpRequest req, FaultlineStore store) =>
        {
            var q = req.Query;
            var sort = q["sort"].ToString() is { Length: > 0 } s ? s : "last_seen";
            if (!FaultlineStore.Sorts.Contains(sort))
                return ApiAuth.Error(400, $"sort must be one of {string.Join(", ", FaultlineStore.Sorts)}");
            var status = q["status"].ToString();
            if (status.Length > 0 && status.Split(',').Any(x => !IssueStatus.IsValid(x.Trim())))
                return ApiAuth.Error(400, $"status must be one or more of {string.Join(", ", IssueStatus.All)}");
            var limit = 50;
            if (q["limit"].ToString() is { Length: > 0 } l && (!int.TryParse(l, out limit) || limit is < 1 or > 500))
                return ApiAuth.Error(400, "limit must be an integer from 1 to 500");
            var offset = 0;
            if (q["cursor"].ToString() is { Length: > 0 } c && !TryDecodeCursor(c, out offset))
                return ApiAuth.Error(400, "cursor is not valid: pass next_cursor from a previous page");
            var page = await store.ListIssuesAsync(new IssueFilter
            {
                ProjectId = project_id, Status = status.Length > 0 ? status : null,
                Environment = q["environment"].ToString() is { Length: > 0 } e ? e : null,
                Query = q["query"].ToString() is { Length: > 0 } t ? t : null, Sort = sort, Limit = limit, Offset = offset,
            });
            return Results.Json(new
            {
                items = page.Items.Select(ApiJson.Issue), total = page.Total,
                next_cursor = page.NextOffset is { } n ? EncodeCursor(n) : null,
            }, ApiJson.Options);
        }).RequireToken();

        app.MapGet("/api/{project_id}/issues/{issue_id}/", async (long project_id, long issue_id, FaultlineStore store) =>
            await store.GetIssueAsync(project_id, issue_id) is { } issue
                ? Results.Json(ApiJson.Issue(issue), ApiJson.Options)
                : ApiAuth.Error(404, $"issue {issue_id} not found in project {project_id}")).RequireToken();

        app.MapPut("/api/{project_id}/issues/{issue_id}/", async (long project_id, long issue_id, StatusUpdate body, FaultlineStore store, IssueEvents events) =>
        {
            if (!IssueStatus.IsValid(body.Status))
                return ApiAuth.Error(400, $"status must be one of {string.Join(", ", IssueStatus.All)}");
            var kind = body.Status == IssueStatus.Resolved ? "resolved" : "status_changed";
            if (!await store.SetIssueStatusAsync(project_id, issue_id, body.Status!, kind, $"status set to {body.Status} via API"))
                return ApiAuth.Error(404, $"issue {issue_id} not found in project {project_id}");
            events.Publish(new StoreChange { Kind = StoreChange.IssueChanged, ProjectId = project_id, IssueId = issue_id, Detail = body.Status, At = DateTime.UtcNow });
            return Results.Json(ApiJson.Issue((await store.GetIssueAsync(project_id, issue_id))!), ApiJson.Options);
        }).RequireToken();

        app.MapGet("/api/{project_id}/issues/{issue_id}/events/", async (long project_id, long issue_id, HttpRequest req, FaultlineStore store) =>
        {
            if (await store.GetIssueAsync(project_id, issue_id) is null)
                return ApiAuth.Error(404, $"issue {issue_id} not found in project {project_id}");
            var limit = 50;
            if (req.Query["limit"].ToString() is { Length: > 0 } l && (!int.TryParse(l, out limit) || limit is < 1 or > 500))
                return ApiAuth.Error(400, "limit must be an integer from 1 to 500");
            var offset = 0;
            if (req.Query["cursor"].ToString() is { Length: > 0 } c && !TryDecodeCursor(c, out offset))
                return ApiAuth.Error(400, "cursor is not valid: pass next_cursor from a previous page");
            var events = await store.ListIssueEventsAsync(project_id, issue_id, limit + 1, offset);
            var more = events.Count > limit;
            return Results.Json(new
            {
                items = events.Take(limit).Select(ApiJson.Event),
                next_cursor = more ? EncodeCursor(offset + limit) : null,
            }, ApiJson.Options);
        }).RequireToken();

        app.MapGet("/api/{project_id}/events/{event_id}/", async (long project_id, string event_id, FaultlineStore store) =>
            await store.GetEventAsync(project_id, event_id) is { } e
                ? Results.Json(ApiJson.Event(e), ApiJson.Options)
                : ApiAuth.Error(404, $"event {event_id} not found in project {project_id}")).RequireToken();

        app.MapGet("/api/{project_id}/issues/{issue_id}/lifecycle/", async (long project_id, long issue_id, FaultlineStore store) =>
        {
            if (await store.GetIssueAsync(project_id, issue_id) is null)
                return ApiAuth.Error(404, $"issue {issue_id} not found in project {project_id}");
            var entries = await store.ListLifecycleAsync(project_id, issue_id);
            return Results.Json(entries.Select(e => new { id = e.Id, kind = e.Kind, detail = e.Detail, created_at = ApiJson.Iso(e.CreatedAt) }), ApiJson.Options);
        }).RequireToken();

        return app;
    }

    public sealed record StatusUpdate(string? Status);

    // Offsets are wrapped so clients treat cursors as opaque (the encoding can change later).
    private static string EncodeCursor(int offset) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"o:{offset}"));

    private static bool TryDecodeCursor(string cursor, out int offset)
    {
        offset = 0;
        try
        {
            var s = Encoding.UTF8.GetString(Convert.FromBase64String(cursor));
            return s.StartsWith("o:") && int.TryParse(s[2..], out offset) && offset >= 0;
        }
        catch (FormatException) { return false; }
    }
}
