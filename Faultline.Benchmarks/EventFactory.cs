using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;

namespace Faultline.Benchmarks;

/// <summary>
/// Realistic error events: a Python-style exception with frames and context lines, breadcrumbs,
/// request, tags and contexts. "small" is ≈3 KB of JSON, "large" ≈50 KB (deep stack + many
/// breadcrumbs + extra), spread over a few dozen distinct issues like a real app.
/// </summary>
public static class EventFactory
{
    public static byte[] GzipEnvelope(int seq, bool large, string key)
    {
        var id = Guid.NewGuid().ToString("N");
        var evt = Event(id, seq, large);
        var payload = Encoding.UTF8.GetBytes(evt.ToJsonString());
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
        {
            gz.Write(Encoding.UTF8.GetBytes($"{{\"event_id\":\"{id}\",\"sent_at\":\"{DateTime.UtcNow:O}\",\"sdk\":{{\"name\":\"sentry.python\",\"version\":\"2.19.0\"}}}}\n"));
            gz.Write(Encoding.UTF8.GetBytes($"{{\"type\":\"event\",\"length\":{payload.Length}}}\n"));
            gz.Write(payload);
            gz.Write("\n"u8);
        }
        return ms.ToArray();
    }

    public static int JsonSize(bool large) => Encoding.UTF8.GetByteCount(Event("0", 1, large).ToJsonString());

    private static JsonObject Event(string id, int seq, bool large)
    {
        var issue = seq % 40;
        var frames = new JsonArray();
        var depth = large ? 25 : 8;
        for (var f = 0; f < depth; f++)
        {
            var frame = new JsonObject
            {
                ["filename"] = $"app/services/module_{f % 12}.py",
                ["abs_path"] = $"/srv/app/services/module_{f % 12}.py",
                ["function"] = $"step_{f}_{(f == depth - 1 ? issue : 0)}",
                ["module"] = $"app.services.module_{f % 12}",
                ["lineno"] = 100 + f + seq % 7,
                ["in_app"] = f % 3 != 0,
                ["context_line"] = $"        result = self.handle_{f}(payload, retries={f})",
            };
            if (large)
            {
                frame["pre_context"] = new JsonArray([.. Enumerable.Range(0, 5).Select(i => (JsonNode)$"    # line {i} preparing the request for step {f} with enough text to look real")]);
                frame["post_context"] = new JsonArray([.. Enumerable.Range(0, 5).Select(i => (JsonNode)$"    return transform(result, options={{'step': {f}, 'line': {i}}})")]);
                frame["vars"] = new JsonObject { ["payload"] = $"{{'order_id': {seq}, 'items': [1, 2, 3]}}", ["retries"] = f.ToString() };
            }
            frames.Add(frame);
        }
        var crumbs = new JsonArray();
        for (var b = 0; b < (large ? 60 : 6); b++)
            crumbs.Add(new JsonObject
            {
                ["timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0 - 60 + b,
                ["category"] = b % 2 == 0 ? "http" : "query",
                ["message"] = b % 2 == 0 ? $"GET https://api.internal/orders/{seq}/items?page={b}" : $"SELECT * FROM orders WHERE id = {seq} AND page = {b}",
                ["level"] = "info",
                ["data"] = new JsonObject { ["status_code"] = 200, ["duration_ms"] = b * 3 },
            });
        var evt = new JsonObject
        {
            ["event_id"] = id,
            ["timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0,
            ["platform"] = "python",
            ["level"] = seq % 97 == 0 ? "fatal" : "error",
            ["logger"] = "app.worker",
            ["server_name"] = $"web-{seq % 4}",
            ["release"] = $"shop@1.{seq % 3}.0",
            ["environment"] = seq % 5 == 0 ? "staging" : "production",
            ["transaction"] = $"/api/orders/{{id}}/checkout",
            ["tags"] = new JsonObject { ["region"] = seq % 2 == 0 ? "eu-west-1" : "us-east-1", ["customer_tier"] = "gold", ["feature"] = $"flag_{seq % 3}" },
            ["user"] = new JsonObject { ["id"] = (seq % 1000).ToString(), ["email"] = $"user{seq % 1000}@example.com", ["ip_address"] = "10.0.0.1" },
            ["request"] = new JsonObject
            {
                ["method"] = "POST", ["url"] = $"https://shop.example/api/orders/{seq}/checkout",
                ["headers"] = new JsonObject { ["User-Agent"] = "Mozilla/5.0", ["Content-Type"] = "application/json", ["Authorization"] = "Bearer secret" },
            },
            ["contexts"] = new JsonObject
            {
                ["runtime"] = new JsonObject { ["name"] = "CPython", ["version"] = "3.12.1" },
                ["os"] = new JsonObject { ["name"] = "Linux", ["version"] = "6.1" },
            },
            ["breadcrumbs"] = new JsonObject { ["values"] = crumbs },
            ["exception"] = new JsonObject
            {
                ["values"] = new JsonArray(new JsonObject
                {
                    ["type"] = $"OrderError{issue}",
                    ["value"] = $"order {seq} could not be processed: upstream returned 503",
                    ["mechanism"] = new JsonObject { ["type"] = "excepthook", ["handled"] = false },
                    ["stacktrace"] = new JsonObject { ["frames"] = frames },
                }),
            },
        };
        if (large)
            evt["extra"] = new JsonObject { ["order_snapshot"] = string.Concat(Enumerable.Repeat($"item-{seq}-sku-0000 qty=1 price=9.99; ", 120)) };
        return evt;
    }
}
