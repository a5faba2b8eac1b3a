using System.Security.Cryptography;
using System.Text.Json;
using Faultline.Core.Ingest;
using Faultline.Core.Loop;

namespace Faultline.Web.Endpoints;

/// <summary>
/// Webhooks (no API token): authenticated by HMAC-SHA256 of the raw body with FAULTLINE_CI_WEBHOOK_SECRET,
/// compared in constant time. The signature is checked before anything is parsed or stored, so a bad or
/// missing one gets 401 and changes nothing. Deliveries are recorded by key (X-GitHub-Delivery or
/// X-Faultline-Delivery, else a digest of the body) and a repeat is answered without acting again.
/// </summary>
public static class HookEndpoints
{
    const int MaxBodyBytes = 5 * 1024 * 1024;
    public const string FaultlineSignatureHeader = "X-Faultline-Signature";

    public static IEndpointRouteBuilder MapHookEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/hooks/resolve/", Resolve);
        app.MapPost("/api/hooks/ci/github", GitHub); // routing also matches the trailing-slash form
        return app;
    }

    /// <summary>
    /// A bead was closed (e.g. a bd/gt hook calling back). Body: {"bead_id": "gt-a3f9", "close_reason": "…",
    /// "status": "closed"}. Takes the same path as the poller seeing the close: stabilizing + quiet period.
    /// </summary>
    static async Task<IResult> Resolve(HttpContext http, LoopStore store, LoopOptions options, ILoggerFactory logs, CancellationToken ct)
    {
        var (body, refused) = await ReadVerifiedAsync(http, options, logs, "resolve");
        if (refused is not null) return refused;
        var key = DeliveryKey(http, body!, "resolve");
        if (await store.DeliverySeenAsync(key)) return Results.Json(new { duplicate = true });

        string? beadId, reason, status;
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return ApiAuth.Error(400, "body must be a JSON object");
            beadId = Str(root, "bead_id") ?? Str(root, "id");
            reason = Str(root, "close_reason") ?? Str(root, "reason");
            status = Str(root, "status");
        }
        catch (JsonException) { return ApiAuth.Error(400, "body is not JSON"); }
        if (!BeadIds.IsValid(beadId)) return ApiAuth.Error(400, "bead_id must be a valid bead id");
        if (status is not null and not ("closed" or "tombstone"))
            return Results.Json(new { ignored = $"bead status {status} is not a resolution" }, statusCode: 202);
        if (http.RequestServices.GetService<LoopService>() is not { } loop)
            return ApiAuth.Error(503, "the Gas Town loop is not configured (FAULTLINE_TOWN_ROOT)");

        var moved = await loop.OnBeadResolvedAsync(beadId!, reason, "resolve webhook", ct);
        await store.RecordDeliveryAsync(key, "resolve");
        return Results.Json(new { bead_id = beadId, issues_stabilizing = moved });
    }

    /// <summary>
    /// GitHub Actions workflow_run. The project comes from <c>?project=&lt;id&gt;</c>; without it, from the project
    /// whose name equals the repository's full name (owner/repo) or its short name. Completed failures become
    /// Faultline events through the normal ingest pipeline; every completed run is stored for the context
    /// endpoint (fix verification).
    /// </summary>
    static async Task<IResult> GitHub(HttpContext http, LoopStore store, LoopOptions options, ProjectDirectory projects,
        IngestPipeline pipeline, TimeProvider clock, ILoggerFactory logs, CancellationToken ct)
    {
        var (body, refused) = await ReadVerifiedAsync(http, options, logs, "ci/github");
        if (refused is not null) return refused;

        var eventName = http.Request.Headers["X-GitHub-Event"].ToString();
        if (eventName == "ping") return Results.Json(new { pong = true });
        if (eventName.Length > 0 && eventName != "workflow_run")
            return Results.Json(new { ignored = $"event {eventName} is not handled" }, statusCode: 202);
        var key = DeliveryKey(http, body!, "github");
        if (await store.DeliverySeenAsync(key)) return Results.Json(new { duplicate = true });

        var run = GitHubWorkflowRun.TryParse(body, out var error);
        if (run is null) return ApiAuth.Error(400, error ?? "not a workflow_run payload");
        if (ProjectFor(http.Request, run, projects) is not { } projectId)
            return ApiAuth.Error(422, "cannot map the repository to a project: add ?project=<id> to the webhook URL, " +
                                      "or name the project after the repository (owner/repo or repo)");
        if (!run.IsCompleted)
            return Results.Json(new { ignored = "run not completed" }, statusCode: 202);

        var now = clock.GetUtcNow().UtcDateTime;
        var eventId = run.IsFailure ? CiFailureEvent.EventId(run) : null;
        var fresh = await store.InsertCiRunAsync(new CiRun(projectId, "github", run.RepositoryFullName, run.RunId, run.RunAttempt, run.Name,
            run.Conclusion, run.HeadBranch, run.HeadSha, run.HtmlUrl, eventId, run.UpdatedAt?.UtcDateTime, now));
        var ingested = 0;
        if (fresh && run.IsFailure)
        {
            try
            {
                var payload = JsonSerializer.SerializeToUtf8Bytes(CiFailureEvent.Build(run, now));
                ingested = (await pipeline.IngestStoreAsync(projectId, payload, ct)).Stored;
            }
            catch (IngestException ex)
            {
                // Not recorded as delivered: GitHub's redelivery can then succeed (the run row keeps its event id).
                return ApiAuth.Error(ex.Status, ex.Detail);
            }
        }
        await store.RecordDeliveryAsync(key, "github");
        return Results.Json(new { project_id = projectId, run_id = run.RunId, conclusion = run.Conclusion, recorded = fresh, event_id = eventId, events_stored = ingested });
    }

    static long? ProjectFor(HttpRequest req, GitHubWorkflowRun run, ProjectDirectory projects)
    {
        var q = req.Query["project"].ToString();
        if (q.Length > 0) return long.TryParse(q, out var id) && projects.ById(id) is not null ? id : null;
        if (run.RepositoryFullName is not { } repo) return null;
        var shortName = repo[(repo.LastIndexOf('/') + 1)..];
        var match = projects.All.Where(p => string.Equals(p.Name, repo, StringComparison.OrdinalIgnoreCase)).ToList();
        if (match.Count == 0) match = projects.All.Where(p => string.Equals(p.Name, shortName, StringComparison.OrdinalIgnoreCase)).ToList();
        return match.Count == 1 ? match[0].Id : null; // ambiguous names map nowhere rather than to a guess
    }

    static async Task<(byte[]? Body, IResult? Refused)> ReadVerifiedAsync(HttpContext http, LoopOptions options, ILoggerFactory logs, string hook)
    {
        var ms = new MemoryStream();
        var buffer = new byte[81920];
        int n;
        while ((n = await http.Request.Body.ReadAsync(buffer, http.RequestAborted)) > 0)
        {
            if (ms.Length + n > MaxBodyBytes) return (null, ApiAuth.Error(413, $"webhook body over {MaxBodyBytes} bytes"));
            ms.Write(buffer, 0, n);
        }
        var body = ms.ToArray();
        var header = http.Request.Headers[WebhookSignature.GitHubHeader].ToString() is { Length: > 0 } gh
            ? gh : http.Request.Headers[FaultlineSignatureHeader].ToString();
        var check = WebhookSignature.Check(options.CiWebhookSecret, body, header);
        if (check == SignatureCheck.Valid) return (body, null);
        logs.CreateLogger("Faultline.Webhooks").LogWarning("Refused {Hook} webhook: signature {Check}", hook, check);
        var detail = check == SignatureCheck.NoSecretConfigured
            ? "webhooks are disabled: FAULTLINE_CI_WEBHOOK_SECRET is not set"
            : $"signature {check.ToString().ToLowerInvariant()}: send {WebhookSignature.GitHubHeader}: sha256=<HMAC-SHA256 of the body>";
        return (null, ApiAuth.Error(401, detail));
    }

    static string DeliveryKey(HttpContext http, byte[] body, string source)
    {
        var id = http.Request.Headers["X-GitHub-Delivery"].ToString() is { Length: > 0 } gh ? gh : http.Request.Headers["X-Faultline-Delivery"].ToString();
        var key = id.Length > 0 ? id : "sha256:" + Convert.ToHexStringLower(SHA256.HashData(body));
        key = $"{source}:{key}";
        return key.Length <= 200 ? key : key[..200];
    }

    static string? Str(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
