using System.Text.Json;
using System.Text.RegularExpressions;
using Faultline.Core.Ingest;
using Faultline.Core.Storage;

namespace Faultline.Web.Endpoints;

/// <summary>
/// The Sentry ingest surface: /api/{pid}/envelope/, /api/{pid}/store/ and /api/{pid}/heartbeat,
/// with or without trailing slash, repeated slashes folded, any path prefix before /api/
/// (DSNs with a path). Implemented as middleware ahead of routing so a prefix never collides
/// with other routes, and so every response (including errors) carries the CORS headers
/// browser SDKs need to read rate limits.
/// </summary>
public static partial class IngestEndpoints
{
    [GeneratedRegex(@"^(?:/.*)?/api/(\d{1,18})/(envelope|store|heartbeat)/?$")]
    private static partial Regex IngestPath();

    [GeneratedRegex("/{2,}")]
    private static partial Regex RepeatedSlashes();

    private const string ExposeHeaders = "x-sentry-rate-limits, retry-after, x-sentry-error";
    private const string AllowHeaders = "x-sentry-auth, x-requested-with, x-forwarded-for, origin, referer, accept, content-type, " +
                                        "authentication, authorization, content-encoding, transfer-encoding, sentry-trace, baggage";

    public static IApplicationBuilder UseIngest(this IApplicationBuilder app) => app.Use(async (ctx, next) =>
    {
        var path = ctx.Request.Path.Value ?? "";
        if (!path.Contains("/api/", StringComparison.Ordinal)) { await next(ctx); return; }
        var m = IngestPath().Match(RepeatedSlashes().Replace(path, "/"));
        if (!m.Success) { await next(ctx); return; }
        var method = ctx.Request.Method;
        if (!HttpMethods.IsPost(method) && !HttpMethods.IsOptions(method)) { await next(ctx); return; }

        AddCors(ctx.Response);
        if (HttpMethods.IsOptions(method))
        {
            ctx.Response.Headers["Access-Control-Allow-Methods"] = "POST, OPTIONS";
            ctx.Response.Headers["Access-Control-Allow-Headers"] = AllowHeaders;
            ctx.Response.Headers["Access-Control-Max-Age"] = "3600";
            ctx.Response.StatusCode = 200;
            return;
        }
        var handler = ctx.RequestServices.GetRequiredService<IngestHandler>();
        await handler.HandleAsync(ctx, long.Parse(m.Groups[1].Value), m.Groups[2].Value);
    });

    private static void AddCors(HttpResponse r)
    {
        r.Headers["Access-Control-Allow-Origin"] = "*";
        r.Headers["Access-Control-Expose-Headers"] = ExposeHeaders;
        r.Headers["Cross-Origin-Resource-Policy"] = "cross-origin";
    }
}

/// <summary>One ingest request: authenticate, limit, read, hand to the pipeline, answer.</summary>
public sealed class IngestHandler(ProjectDirectory projects, ProjectRateLimiter limiter, IngestPipeline pipeline,
    IngestSettings settings, FaultlineStore store, ILogger<IngestHandler> logger)
{
    public async Task HandleAsync(HttpContext ctx, long projectId, string kind)
    {
        try
        {
            switch (kind)
            {
                case "envelope": await Envelope(ctx, projectId); break;
                case "store": await Store(ctx, projectId); break;
                default: await Heartbeat(ctx, projectId); break;
            }
        }
        catch (IngestException ex)
        {
            await Refuse(ctx, projectId, ex.Status, ex.Detail, ex.RetryAfterSeconds);
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
        {
            // Client went away; nothing to answer.
        }
        catch (BadHttpRequestException ex)
        {
            await Refuse(ctx, projectId, ex.StatusCode == 413 ? 413 : 400, ex.StatusCode == 413 ? "request body too large" : "malformed request body", null);
        }
    }

    private async Task Envelope(HttpContext ctx, long projectId)
    {
        // Authenticate from headers/query first when possible, so refused clients cost no body read.
        string? key = TryKeyWithoutBody(ctx);
        if (key != null) Admit(projectId, key);
        var body = await BodyDecoder.ReadAsync(ctx.Request.Body, ContentEncoding(ctx), settings.Limits, ctx.RequestAborted);
        if (body.Length == 0) throw IngestException.BadRequest("empty envelope body");
        var envelope = EnvelopeParser.Parse(body, settings.Limits);
        // Request credentials win; the envelope's own dsn header authenticates only when the
        // request carries none (tunnels, Go). A forwarded envelope may name its origin's key.
        if (key == null)
        {
            key = SentryAuth.ResolveKey(ctx.Request.Headers, ctx.Request.Query, envelope.Dsn);
            Admit(projectId, key);
        }
        var events = envelope.Items.Count(i => i.Type == "event");
        if (events > 0) RateLimit(projectId, events);
        var result = await pipeline.IngestEnvelopeAsync(projectId, envelope, ctx.RequestAborted);
        await Ok(ctx, result.EventId);
    }

    private async Task Store(HttpContext ctx, long projectId)
    {
        var key = SentryAuth.ResolveKey(ctx.Request.Headers, ctx.Request.Query, null);
        Admit(projectId, key);
        RateLimit(projectId, 1);
        var body = await BodyDecoder.ReadAsync(ctx.Request.Body, ContentEncoding(ctx), settings.Limits, ctx.RequestAborted);
        if (body.Length == 0) throw IngestException.BadRequest("empty event body");
        var result = await pipeline.IngestStoreAsync(projectId, body, ctx.RequestAborted);
        await Ok(ctx, result.EventId);
    }

    private async Task Heartbeat(HttpContext ctx, long projectId)
    {
        var key = SentryAuth.ResolveKey(ctx.Request.Headers, ctx.Request.Query, null);
        Admit(projectId, key);
        var body = await BodyDecoder.ReadAsync(ctx.Request.Body, ContentEncoding(ctx), settings.Limits with { MaxDecompressedBytes = 64 * 1024 }, ctx.RequestAborted);
        string? url = null;
        if (body.Length > 0)
        {
            try
            {
                using var doc = JsonDocument.Parse(body);
                if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("url", out var u) && u.ValueKind == JsonValueKind.String)
                {
                    url = u.GetString();
                    if (!Uri.TryCreate(url, UriKind.Absolute, out var parsed) || (parsed.Scheme != "http" && parsed.Scheme != "https") || url!.Length > 2000)
                        throw IngestException.BadRequest("heartbeat url must be an absolute http(s) URL");
                }
            }
            catch (JsonException) { throw IngestException.BadRequest("heartbeat body must be JSON, e.g. {\"url\": \"https://...\"}"); }
        }
        await store.RecordHeartbeatAsync(projectId, url);
        await Ok(ctx, null);
    }

    private string? TryKeyWithoutBody(HttpContext ctx)
    {
        var h = ctx.Request.Headers;
        if (!h.ContainsKey("X-Sentry-Auth") && !h.ContainsKey("Authorization") && !ctx.Request.Query.ContainsKey("sentry_key")) return null;
        return SentryAuth.ResolveKey(h, ctx.Request.Query, null);
    }

    private void Admit(long projectId, string key) => projects.Authorize(projectId, key);

    private void RateLimit(long projectId, int events)
    {
        var wait = limiter.TryTake(projectId, events);
        if (wait > 0)
            throw new IngestException(429, $"rate limit of project {projectId} exceeded; retry in {wait} s") { RetryAfterSeconds = wait };
    }

    private static string? ContentEncoding(HttpContext ctx) =>
        ctx.Request.Headers.ContentEncoding.Count > 0 ? ctx.Request.Headers.ContentEncoding.ToString() : null;

    private static Task Ok(HttpContext ctx, string? eventId)
    {
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "application/json";
        return ctx.Response.WriteAsync(eventId is null ? "{}" : $"{{\"id\":\"{eventId}\"}}");
    }

    private async Task Refuse(HttpContext ctx, long projectId, int status, string detail, int? retryAfter)
    {
        // One log line per refusal, with the reason but never credentials.
        Faultline.Core.Ops.FaultlineMeter.Refused(status);
        logger.LogWarning("Ingest refused for project {ProjectId} from {Remote}: {Status} {Detail}", projectId, ctx.Connection.RemoteIpAddress, status, detail);
        if (ctx.Response.HasStarted) return;
        ctx.Response.StatusCode = status;
        ctx.Response.Headers["X-Sentry-Error"] = new string(detail.Select(c => c is >= ' ' and <= '~' ? c : '?').ToArray());
        if (retryAfter is { } s)
        {
            ctx.Response.Headers.RetryAfter = s.ToString();
            if (status == 429)
                ctx.Response.Headers["X-Sentry-Rate-Limits"] = $"{s}:error;default:project:rate_limited";
        }
        // Draining a refused body keeps the connection reusable for the SDK, bounded to 1 MB.
        if (status is 401 or 403 or 429) await DrainAsync(ctx);
        await ctx.Response.WriteAsJsonAsync(new { detail });
    }

    private static async Task DrainAsync(HttpContext ctx)
    {
        try
        {
            var buf = new byte[16 * 1024];
            long total = 0;
            int n;
            while (total < 1024 * 1024 && (n = await ctx.Request.Body.ReadAsync(buf, ctx.RequestAborted)) > 0) total += n;
        }
        catch (Exception) { /* best effort */ }
    }
}
