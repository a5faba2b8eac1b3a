using Faultline.Core.Ops;
using Faultline.Core.Storage;

namespace Faultline.Web.Endpoints;

/// <summary>
/// <c>GET /_health</c> (no auth, no secrets; 200 when ok, 503 when degraded, JSON either way)
/// and <c>GET /api/{project_id}/ops/</c> (token): heartbeat state, 24 h uptime, recent checks
/// and down/recovered entries of a project.
/// </summary>
public static class OpsEndpoints
{
    public static IEndpointRouteBuilder MapOpsEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/_health", async (HttpContext http, HealthReporter health) =>
        {
            var r = await health.GetAsync(http.RequestAborted);
            http.Response.Headers.CacheControl = "no-store";
            return Results.Json(HealthJson(r), ApiJson.Options, statusCode: r.Ok ? 200 : 503);
        });

        app.MapGet("/api/{project_id}/ops/", async (long project_id, FaultlineStore store, HeartbeatMonitor heartbeats) =>
        {
            var project = await store.GetProjectAsync(project_id);
            if (project is null) return ApiAuth.Error(404, $"project {project_id} not found");
            var uptime = await store.GetUptimeAsync(project_id);
            var checks = await store.LatestUptimeChecksAsync(project_id, 20);
            var events = await store.ListOpsEventsAsync(project_id, 20);
            heartbeats.Current.TryGetValue(project_id, out var hb);
            return Results.Json(new
            {
                project_id,
                service_url = project.ServiceUrl,
                service_url_by_admin = project.ServiceUrlByAdmin,
                heartbeat = new
                {
                    state = (hb?.State ?? HeartbeatState.Unknown).ToString().ToLowerInvariant(),
                    last_at = ApiJson.Iso(project.LastHeartbeatAt),
                    expected_interval_secs = hb?.Expected?.TotalSeconds,
                    down_since = ApiJson.Iso(hb?.DownSince),
                },
                uptime_24h = new { percent = uptime.Percent, display = uptime.Display, checks = uptime.Checks, up = uptime.Up, last_check_at = ApiJson.Iso(uptime.LastCheckAt) },
                checks = checks.Select(c => new
                {
                    checked_at = ApiJson.Iso(c.CheckedAt), url = c.Url, status_code = c.StatusCode, latency_ms = c.LatencyMs, ok = c.Ok, error = c.Error,
                }),
                events = events.Select(e => new { id = e.Id, kind = e.Kind, detail = e.Detail, created_at = ApiJson.Iso(e.CreatedAt) }),
            }, ApiJson.Options);
        }).RequireToken();
        return app;
    }

    public static object HealthJson(HealthReport r) => new
    {
        status = r.Status,
        timestamp = ApiJson.Iso(r.Timestamp),
        version = r.Version,
        uptime_seconds = r.UptimeSeconds,
        storage = new
        {
            backend = r.Storage.Backend, version = r.Storage.Version, reachable = r.Storage.Reachable,
            latency_ms = r.Storage.LatencyMs, error = r.Storage.Error,
        },
        ingest = new
        {
            queue_depth = r.Ingest.QueueDepth, queue_capacity = r.Ingest.QueueCapacity, queue_status = r.Ingest.QueueStatus,
            queue_warn_at = r.Ingest.WarnAt, queue_critical_at = r.Ingest.CriticalAt,
            events_last_minute = r.Ingest.EventsLastMinute, events_last_hour = r.Ingest.EventsLastHour,
            events_since_start = r.Ingest.EventsSinceStart, last_batch_commit_at = ApiJson.Iso(r.Ingest.LastBatchCommitAt),
        },
        issues = new { open = r.OpenIssues },
        background = r.Background.ToDictionary(b => b.Name, b => (object)new
        {
            last_success = ApiJson.Iso(b.LastSuccess), last_failure = ApiJson.Iso(b.LastFailure),
        }),
    };
}
