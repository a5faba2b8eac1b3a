using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;

namespace Faultline.Tests.Fixtures;

/// <summary>Builds realistic Sentry events and envelopes for tests and the benchmark.</summary>
public static class Envelopes
{
    public static string NewEventId() => Guid.NewGuid().ToString("N");

    public static JsonObject ErrorEvent(string eventId, string type = "ValueError", string value = "bad value 42",
        string function = "handler", int line = 10, string? environment = "production", string level = "error")
    {
        return new JsonObject
        {
            ["event_id"] = eventId,
            ["timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0,
            ["platform"] = "python",
            ["level"] = level,
            ["environment"] = environment,
            ["release"] = "app@1.0.0",
            ["tags"] = new JsonObject { ["browser"] = "Firefox", ["region"] = "eu" },
            ["exception"] = new JsonObject
            {
                ["values"] = new JsonArray(new JsonObject
                {
                    ["type"] = type,
                    ["value"] = value,
                    ["mechanism"] = new JsonObject { ["type"] = "generic", ["handled"] = true },
                    ["stacktrace"] = new JsonObject
                    {
                        ["frames"] = new JsonArray(
                            new JsonObject { ["filename"] = "app/main.py", ["function"] = "main", ["module"] = "app.main", ["lineno"] = 5, ["in_app"] = true },
                            new JsonObject { ["filename"] = "app/views.py", ["function"] = function, ["module"] = "app.views", ["lineno"] = line, ["in_app"] = true,
                                ["context_line"] = "    raise ValueError(x)", ["pre_context"] = new JsonArray("def f():"), ["post_context"] = new JsonArray("")})
                    },
                }),
            },
        };
    }

    public static byte[] Envelope(JsonObject evt, string? dsn = null)
    {
        var header = new JsonObject { ["event_id"] = evt["event_id"]?.GetValue<string>(), ["sent_at"] = DateTime.UtcNow.ToString("O") };
        if (dsn != null) header["dsn"] = dsn;
        var payload = Encoding.UTF8.GetBytes(evt.ToJsonString());
        var ms = new MemoryStream();
        ms.Write(Encoding.UTF8.GetBytes(header.ToJsonString() + "\n"));
        ms.Write(Encoding.UTF8.GetBytes($"{{\"type\":\"event\",\"length\":{payload.Length}}}\n"));
        ms.Write(payload);
        ms.Write("\n"u8);
        return ms.ToArray();
    }

    public static byte[] Gzip(byte[] data)
    {
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(data);
        return ms.ToArray();
    }

    public static byte[] Brotli(byte[] data)
    {
        var ms = new MemoryStream();
        using (var br = new BrotliStream(ms, CompressionLevel.Fastest, leaveOpen: true)) br.Write(data);
        return ms.ToArray();
    }

    public static byte[] Zlib(byte[] data)
    {
        var ms = new MemoryStream();
        using (var z = new ZLibStream(ms, CompressionLevel.Fastest, leaveOpen: true)) z.Write(data);
        return ms.ToArray();
    }

    public static byte[] RawDeflate(byte[] data)
    {
        var ms = new MemoryStream();
        using (var z = new DeflateStream(ms, CompressionLevel.Fastest, leaveOpen: true)) z.Write(data);
        return ms.ToArray();
    }
}
