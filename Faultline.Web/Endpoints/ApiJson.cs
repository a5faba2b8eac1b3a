using System.Text.Json;
using System.Text.Json.Nodes;
using Faultline.Core.Issues;

namespace Faultline.Web.Endpoints;

/// <summary>JSON shapes of the read API: snake_case, ISO 8601 UTC times.</summary>
public static class ApiJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
    };

    public static string Iso(DateTime t) => DateTime.SpecifyKind(t, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'");
    public static string? Iso(DateTime? t) => t is { } v ? Iso(v) : null;

    public static object Issue(Issue i) => new
    {
        id = i.Id, project_id = i.ProjectId, title = i.Title, type = i.Type, value = i.Value, culprit = i.Culprit,
        level = i.Level, platform = i.Platform, status = i.Status, severity = i.Severity, event_count = i.EventCount,
        first_seen = Iso(i.FirstSeen), last_seen = Iso(i.LastSeen), environments = i.Environments,
        first_release = i.FirstRelease, last_release = i.LastRelease, fingerprint = i.Fingerprint,
        unhandled = i.Unhandled, bead_id = i.BeadId, regression_count = i.RegressionCount, resolved_at = Iso(i.ResolvedAt),
    };

    public static object Project(Project p, string dsn) => new
    {
        id = p.Id, name = p.Name, platform = p.Platform, rig = p.Rig, dsn, public_key = p.PublicKey,
        description = p.Description, service_url = p.ServiceUrl, deployment_type = p.DeploymentType,
        components = p.Components, environments = p.Environments, last_heartbeat_at = Iso(p.LastHeartbeatAt),
        created_at = Iso(p.CreatedAt),
    };

    /// <summary>
    /// The stored event: the normalized fields on top plus the raw payload as received.
    /// The payload is echoed as JSON when it parses, else as a string.
    /// </summary>
    public static JsonObject Event(StoredEvent e)
    {
        var data = JsonNode.Parse(e.Data) as JsonObject ?? [];
        JsonNode? payload;
        try { payload = JsonNode.Parse(e.Payload); }
        catch (JsonException) { payload = JsonValue.Create(System.Text.Encoding.UTF8.GetString(e.Payload)); }
        return new JsonObject
        {
            ["event_id"] = e.EventId,
            ["issue_id"] = e.IssueId,
            ["project_id"] = e.ProjectId,
            ["timestamp"] = Iso(e.Timestamp),
            ["received_at"] = Iso(e.ReceivedAt),
            ["level"] = e.Level,
            ["environment"] = e.Environment,
            ["release"] = e.Release,
            ["platform"] = data["platform"]?.DeepClone(),
            ["message"] = data["message"]?.DeepClone() ?? data["logentry"]?.DeepClone(),
            ["exceptions"] = data["exception"]?["values"]?.DeepClone() ?? new JsonArray(),
            ["threads"] = data["threads"]?["values"]?.DeepClone(),
            ["tags"] = data["tags"]?.DeepClone() ?? new JsonObject(),
            ["user"] = data["user"]?.DeepClone(),
            ["request"] = data["request"]?.DeepClone(),
            ["contexts"] = data["contexts"]?.DeepClone(),
            ["breadcrumbs"] = data["breadcrumbs"]?["values"]?.DeepClone() ?? new JsonArray(),
            ["normalized"] = data,
            ["payload"] = payload,
        };
    }
}
