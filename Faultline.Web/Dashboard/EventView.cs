using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Faultline.Core.Events;
using Faultline.Core.Issues;

namespace Faultline.Web.Dashboard;

/// <summary>One displayable key/value; values are always plain text (rendered as text, never markup).</summary>
public sealed record Field(string Key, string Value);

public sealed record BreadcrumbView(DateTime? Time, string? Type, string? Category, string? Level, string? Message, string? Data);

public sealed record ContextView(string Name, IReadOnlyList<Field> Fields);

/// <summary>
/// A stored event read for display. The canonical JSON is hostile, loosely shaped input: every
/// accessor tolerates missing or odd-typed fields (the same lenient readers ingest uses), and
/// nothing here produces markup — the page renders each string as text.
/// </summary>
public sealed record EventView
{
    /// <summary>Cap for the raw JSON shown on the page (a 20 MB envelope must not become a 20 MB circuit update).</summary>
    public const int MaxRawChars = 256 * 1024;
    private const int MaxValueChars = 4000;

    public required StoredEvent Stored { get; init; }
    public string? Message { get; init; }
    public string? Transaction { get; init; }
    public string? ServerName { get; init; }
    public string? Logger { get; init; }
    public string? Platform { get; init; }
    /// <summary>Main exception first, then its causes (the SDK sends them oldest first).</summary>
    public IReadOnlyList<ExceptionInfo> Exceptions { get; init; } = [];
    public IReadOnlyList<ThreadInfo> Threads { get; init; } = [];
    public IReadOnlyList<BreadcrumbView> Breadcrumbs { get; init; } = [];
    public IReadOnlyList<Field> Tags { get; init; } = [];
    public IReadOnlyList<Field> Request { get; init; } = [];
    public IReadOnlyList<Field> RequestHeaders { get; init; } = [];
    public IReadOnlyList<Field> User { get; init; } = [];
    public IReadOnlyList<ContextView> Contexts { get; init; } = [];
    public string RawJson { get; init; } = "";
    public bool RawTruncated { get; init; }

    private static readonly JsonSerializerOptions Pretty = new()
    {
        WriteIndented = true,
        // Keep non-ASCII readable; safety comes from rendering as text, not from \u escapes.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static EventView From(StoredEvent e)
    {
        JsonObject data;
        try { data = JsonNode.Parse(e.Data) as JsonObject ?? []; }
        catch (JsonException) { data = []; }

        var exceptions = JsonRead.Entries(data["exception"] is JsonObject ex ? ex["values"] : data["exception"])
            .Select(StackReader.ReadException).Reverse().ToList();
        var threads = JsonRead.Entries(data["threads"] is JsonObject th ? th["values"] : data["threads"])
            .Select(StackReader.ReadThread).ToList();
        var (raw, truncated) = RawOf(e);
        return new EventView
        {
            Stored = e,
            Message = JsonRead.AnyText(data["message"]) ?? JsonRead.AnyText((data["logentry"] as JsonObject)?["formatted"]),
            Transaction = JsonRead.NonEmpty(data["transaction"]),
            ServerName = JsonRead.NonEmpty(data["server_name"]),
            Logger = JsonRead.NonEmpty(data["logger"]),
            Platform = JsonRead.NonEmpty(data["platform"]),
            Exceptions = exceptions,
            Threads = threads,
            Breadcrumbs = ReadBreadcrumbs(data["breadcrumbs"]),
            Tags = Flatten(data["tags"]),
            Request = Flatten(data["request"], skip: "headers"),
            RequestHeaders = Flatten((data["request"] as JsonObject)?["headers"]),
            User = Flatten(data["user"]),
            Contexts = data["contexts"] is JsonObject contexts
                ? contexts.Select(kv => new ContextView(kv.Key, Flatten(kv.Value, skip: "type"))).Where(c => c.Fields.Count > 0).ToList()
                : [],
            RawJson = raw,
            RawTruncated = truncated,
        };
    }

    private static IReadOnlyList<BreadcrumbView> ReadBreadcrumbs(JsonNode? node)
    {
        var list = JsonRead.Entries(node is JsonObject o ? o["values"] : node);
        return list.Select(b => new BreadcrumbView(
            EventTimestamp.TryParse(b["timestamp"]),
            JsonRead.NonEmpty(b["type"]),
            JsonRead.NonEmpty(b["category"]),
            JsonRead.NonEmpty(b["level"]),
            Cap(JsonRead.AnyText(b["message"])),
            b["data"] is JsonObject d && d.Count > 0 ? Cap(d.ToJsonString(Compact)) : null)).ToList();
    }

    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// An object's members (or [[key, value], ...] pairs, as some SDKs send headers) as text rows;
    /// nested values become compact JSON.
    /// </summary>
    public static IReadOnlyList<Field> Flatten(JsonNode? node, string? skip = null)
    {
        var fields = new List<Field>();
        switch (node)
        {
            case JsonObject o:
                foreach (var (k, v) in o)
                    if (k != skip && v is not null && ValueText(v) is { } text) fields.Add(new Field(k, text));
                break;
            case JsonArray a:
                foreach (var item in a)
                    if (item is JsonArray { Count: 2 } pair && JsonRead.Text(pair[0]) is { } key && pair[1] is { } v && ValueText(v) is { } text)
                        fields.Add(new Field(key, text));
                break;
        }
        return fields;
    }

    private static string? ValueText(JsonNode v) => v is JsonValue ? Cap(JsonRead.Text(v)) : Cap(v.ToJsonString(Compact));

    private static string? Cap(string? s) => s is null || s.Length <= MaxValueChars ? s : string.Concat(s.AsSpan(0, MaxValueChars), "…");

    private static (string Text, bool Truncated) RawOf(StoredEvent e)
    {
        string text;
        var source = e.Payload.Length > 0 ? e.Payload : System.Text.Encoding.UTF8.GetBytes(e.Data);
        try
        {
            var node = JsonNode.Parse(source, documentOptions: new JsonDocumentOptions { MaxDepth = 256 });
            text = node?.ToJsonString(Pretty) ?? "null";
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or InvalidOperationException)
        {
            // Not JSON (a legacy or broken payload): show it verbatim.
            text = System.Text.Encoding.UTF8.GetString(source);
        }
        return text.Length <= MaxRawChars ? (text, false) : (text[..MaxRawChars], true);
    }
}
