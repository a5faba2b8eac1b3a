using System.Globalization;
using System.Text.Json.Nodes;
using Faultline.Core.Ingest;

namespace Faultline.Core.Events;

/// <summary>
/// Folds a raw Sentry event (any SDK, any era) into <see cref="NormalizedEvent"/>.
/// Why: every later stage (grouping, storage, API) must see one shape. The rule is "never reject
/// a valid JSON object": a field with an unexpected type is ignored, not fatal, because SDKs drop
/// events they get a 400 for and the user would never learn about their crash.
/// </summary>
public sealed class EventNormalizer
{
    public const int MaxTagLength = 200;
    public const int MaxMessageLength = 8192;

    /// <summary>Legacy raven interface names → their modern keys.</summary>
    private static readonly (string Legacy, string Modern)[] LegacyInterfaces =
    [
        ("sentry.interfaces.Exception", "exception"),
        ("sentry.interfaces.Message", "logentry"),
        ("sentry.interfaces.Http", "request"),
        ("sentry.interfaces.Stacktrace", "stacktrace"),
        ("sentry.interfaces.Breadcrumbs", "breadcrumbs"),
        ("sentry.interfaces.User", "user"),
        ("sentry.interfaces.Threads", "threads"),
        ("sentry.interfaces.Template", "template"),
        ("sentry.interfaces.Contexts", "contexts"),
        ("sentry.interfaces.DebugMeta", "debug_meta"),
    ];

    /// <summary>
    /// Normalizes <paramref name="raw"/> in place and returns it as <see cref="NormalizedEvent.Data"/>:
    /// the caller hands the tree over (the pipeline has already serialized the payload as received).
    /// Copying a 3 KB tree cost more than the rest of normalization under load.
    /// </summary>
    public NormalizedEvent Normalize(JsonObject raw, string? envelopeEventId, DateTime receivedAtUtc, DateTime? sentAtUtc = null)
    {
        if (raw is null) throw IngestException.BadRequest("event is not valid JSON: expected an object, got null");
        var received = DateTime.SpecifyKind(receivedAtUtc.Kind == DateTimeKind.Local ? receivedAtUtc.ToUniversalTime() : receivedAtUtc, DateTimeKind.Utc);
        var data = raw;
        RenameLegacyInterfaces(data);

        var eventId = EventIds.TryNormalize(envelopeEventId)
            ?? EventIds.TryNormalize(JsonRead.Text(data["event_id"]))
            ?? EventIds.NewId();
        var timestamp = EventTimestamp.Clamp(EventTimestamp.TryParse(data["timestamp"]), received, sentAtUtc);
        var level = EventLevel.Normalize(data["level"]);
        var platform = JsonRead.NonEmpty(data["platform"])?.Trim().ToLowerInvariant() ?? "other";

        var threads = WrapValues(data, "threads", allowSingle: false).Select(StackReader.ReadThread).ToList();
        var exceptionObjects = WrapValues(data, "exception", allowSingle: true);
        WrapValues(data, "breadcrumbs", allowSingle: false);
        var exceptions = ReadExceptions(data, exceptionObjects, threads);

        var (message, template) = ReadMessage(data);
        var tags = ReadTags(data);
        var fingerprint = ReadFingerprint(data);

        if (data["user"] is null) data.Remove("user");
        data["event_id"] = eventId;
        data["timestamp"] = timestamp.ToString("O", CultureInfo.InvariantCulture);
        data["level"] = level;
        data["platform"] = platform;

        return new NormalizedEvent
        {
            EventId = eventId,
            Timestamp = timestamp,
            ReceivedAt = received,
            Level = level,
            Platform = platform,
            Environment = JsonRead.NonEmpty(data["environment"]),
            Release = JsonRead.NonEmpty(data["release"]),
            Transaction = JsonRead.NonEmpty(data["transaction"]),
            Logger = JsonRead.NonEmpty(data["logger"]),
            ServerName = JsonRead.NonEmpty(data["server_name"]),
            Message = message,
            MessageTemplate = template,
            Exceptions = exceptions,
            Threads = threads,
            Tags = tags,
            Fingerprint = fingerprint,
            Unhandled = exceptions.Any(e => e.Handled == false),
            Data = data,
        };
    }

    private static void RenameLegacyInterfaces(JsonObject data)
    {
        foreach (var (legacy, modern) in LegacyInterfaces)
        {
            if (!data.TryGetPropertyValue(legacy, out var node)) continue;
            data.Remove(legacy);
            if (data[modern] is null && node is not null) data[modern] = node;
        }
    }

    /// <summary>
    /// Rewrites <paramref name="key"/> to the canonical <c>{"values":[...]}</c> form (keeping any
    /// sibling keys of an existing wrapper) and returns the object entries.
    /// </summary>
    private static List<JsonObject> WrapValues(JsonObject data, string key, bool allowSingle)
    {
        var node = data[key];
        if (node is null) { data.Remove(key); return []; }
        var entries = JsonRead.Entries(node, allowSingle);
        // Already canonical (what modern SDKs send): nothing to rewrite.
        if (node is JsonObject { Count: 1 } canonical && canonical["values"] is JsonArray current && current.Count == entries.Count)
            return entries;
        // Rebuild: detach every kept node from its old parent first (a node has one parent).
        var siblings = node is JsonObject existing && existing.ContainsKey("values")
            ? existing.Where(kv => kv.Key != "values").ToList() : [];
        (node as JsonArray ?? (node as JsonObject)?["values"] as JsonArray)?.Clear();
        if (siblings.Count > 0) ((JsonObject)node).Clear();
        data.Remove(key); // also detaches a single bare entry
        var values = new JsonArray();
        foreach (var e in entries) values.Add(e);
        var wrapper = new JsonObject();
        foreach (var kv in siblings) wrapper[kv.Key] = kv.Value;
        wrapper["values"] = values;
        data[key] = wrapper;
        return entries;
    }

    private static List<ExceptionInfo> ReadExceptions(JsonObject data, List<JsonObject> exceptionObjects, List<ThreadInfo> threads)
    {
        var topLevel = StackReader.ReadFrames(data["stacktrace"]);
        // A legacy top-level stacktrace belongs to a sole frameless exception (raven-js, old Cocoa).
        if (exceptionObjects.Count == 1 && topLevel.Count > 0 && data["stacktrace"] is JsonObject st
            && StackReader.ReadFrames(exceptionObjects[0]["stacktrace"]).Count == 0)
        {
            data.Remove("stacktrace");
            exceptionObjects[0]["stacktrace"] = st;
        }

        var exceptions = exceptionObjects.Select(StackReader.ReadException).ToList();
        // Grouping needs frames: a frameless exception borrows its thread's (not written back to Data).
        for (int i = 0; i < exceptions.Count; i++)
        {
            if (exceptions[i].Frames.Count > 0) continue;
            var frames = StackReader.FallbackFrames(exceptions[i], threads, topLevel);
            if (frames.Count > 0) exceptions[i] = exceptions[i] with { Frames = frames };
        }
        return exceptions;
    }

    /// <summary>
    /// message may be a string or {formatted, message, params}; logentry is the modern spelling.
    /// Returns the display text and the un-interpolated template (for grouping).
    /// </summary>
    private static (string? Message, string? Template) ReadMessage(JsonObject data)
    {
        var logentry = data["logentry"] as JsonObject;
        var messageNode = data["message"];
        var messageObject = messageNode as JsonObject;

        var formatted = JsonRead.NonEmpty(logentry?["formatted"])
            ?? (messageObject is null ? JsonRead.NonEmpty(messageNode) : null)
            ?? JsonRead.NonEmpty(messageObject?["formatted"]);
        var template = JsonRead.NonEmpty(logentry?["message"]) ?? JsonRead.NonEmpty(messageObject?["message"]);
        var parameters = logentry?["params"] ?? messageObject?["params"];
        formatted ??= template is null ? null : Interpolate(template, parameters);
        if (formatted is not null) formatted = JsonRead.Truncate(formatted, MaxMessageLength);

        if (formatted is not null && logentry is null)
        {
            var entry = new JsonObject { ["formatted"] = formatted };
            if (template is not null) entry["message"] = template;
            if (parameters is not null) entry["params"] = parameters.DeepClone();
            data["logentry"] = entry;
        }
        if (formatted is not null) data["message"] = formatted;
        return (formatted, template);
    }

    /// <summary>Display-only interpolation of printf-style %s placeholders (Python logging, Java).</summary>
    private static string Interpolate(string template, JsonNode? parameters)
    {
        if (parameters is not JsonArray args || args.Count == 0) return template;
        var sb = new System.Text.StringBuilder(template.Length + 32);
        int next = 0;
        for (int i = 0; i < template.Length; i++)
        {
            if (template[i] == '%' && i + 1 < template.Length && template[i + 1] == 's' && next < args.Count)
            {
                sb.Append(JsonRead.AnyText(args[next++]) ?? "null");
                i++;
            }
            else sb.Append(template[i]);
        }
        return sb.ToString();
    }

    /// <summary>Tags arrive as an object or as [[key, value], ...]; values may be numbers or booleans.</summary>
    private static List<KeyValuePair<string, string>> ReadTags(JsonObject data)
    {
        var pairs = new List<KeyValuePair<string, string>>();
        void Add(string? key, JsonNode? value)
        {
            var text = JsonRead.AnyText(value);
            if (string.IsNullOrWhiteSpace(key) || text is null) return;
            key = JsonRead.Truncate(key.Trim(), MaxTagLength);
            text = JsonRead.Truncate(text, MaxTagLength);
            pairs.RemoveAll(p => p.Key == key);
            pairs.Add(new(key, text));
        }

        switch (data["tags"])
        {
            case JsonObject o:
                foreach (var kv in o) Add(kv.Key, kv.Value);
                break;
            case JsonArray a:
                foreach (var item in a)
                    if (item is JsonArray { Count: 2 } pair) Add(JsonRead.Text(pair[0]), pair[1]);
                break;
        }

        if (data.ContainsKey("tags"))
        {
            var canonical = new JsonObject();
            foreach (var (k, v) in pairs) canonical[k] = v;
            data["tags"] = canonical;
        }
        return pairs;
    }

    private static List<string>? ReadFingerprint(JsonObject data)
    {
        var parts = new List<string>();
        switch (data["fingerprint"])
        {
            case JsonArray a:
                foreach (var item in a)
                    if (JsonRead.AnyText(item) is { } s) parts.Add(s);
                break;
            case JsonValue v when JsonRead.Text(v) is { } single:
                parts.Add(single);
                break;
        }
        if (parts.Count == 0) return null;
        var array = new JsonArray();
        foreach (var p in parts) array.Add(p);
        data["fingerprint"] = array;
        return parts;
    }
}
