using System.Text.Json.Nodes;
using Faultline.Core.Events;

namespace Faultline.Core.Ingest;

/// <summary>An error event pulled out of a request, not yet normalised.</summary>
/// <param name="Raw">The parsed event JSON.</param>
/// <param name="EventId">The id that must win over the payload's (envelope header), or null.</param>
public sealed record ExtractedEvent(JsonObject Raw, string? EventId);

/// <summary>
/// Decides which parts of a request are error events to store; everything else is accepted and
/// dropped (SENTRY-PROTOCOL.md §3.4: never 4xx for ignored types, SDKs would log send errors).
///
/// The rule for bare JSON posted to /store/ (it has no item type to tell us what it is):
///  1. <c>"type": "transaction"</c> → performance data: accept, drop.
///  2. A body that carries error content (exception, message, logentry, threads, stacktrace or a
///     legacy <c>sentry.interfaces.*</c> key) is an event, whatever else it contains.
///  3. Otherwise, a body that matches the signature of another Sentry payload — session
///     (<c>sid</c>/<c>aggregates</c>), check-in (<c>check_in_id</c>/<c>monitor_slug</c>), client
///     report (<c>discarded_events</c>), item container (<c>items</c> array: logs, metrics) — or
///     that shares no attribute at all with the event schema (e.g. a debug_meta fragment) is not
///     an event: accept, drop.
///  4. Everything else, including <c>{}</c>, is an event (Relay stores those as "&lt;unlabeled event&gt;").
/// </summary>
public static class EventExtractor
{
    private static readonly string[] ErrorContentKeys = ["exception", "message", "logentry", "threads", "stacktrace"];

    private static readonly string[] OtherPayloadSignatures =
        ["sid", "aggregates", "check_in_id", "monitor_slug", "discarded_events", "rate_limited_events"];

    /// <summary>Top-level attributes of the event schema (SENTRY-PROTOCOL.md §6.1).</summary>
    private static readonly HashSet<string> EventAttributes =
    [
        "event_id", "timestamp", "platform", "level", "logger", "transaction", "server_name", "release", "dist",
        "environment", "modules", "extra", "sdk", "culprit", "fingerprint", "tags", "user", "request", "contexts",
        "breadcrumbs", "exception", "threads", "message", "logentry", "stacktrace", "debug_meta", "errors", "type",
        "template", "project", "received", "time_spent", "checksum", "version",
    ];

    /// <summary>The event items of an envelope, with the header event_id applied to the first one.</summary>
    public static IReadOnlyList<ExtractedEvent> FromEnvelope(Envelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var events = new List<ExtractedEvent>();
        foreach (var item in envelope.Items)
        {
            if (item.Type != "event") continue; // transactions, sessions, attachments, unknown types: dropped.
            var raw = EventJson.ParseObject(item.Payload.Span);
            if (IsTransaction(raw)) continue;
            // The header id describes the envelope's (first) event; an Android outbox may hold a second
            // event with its own id, which must keep it rather than collide with the first.
            events.Add(new ExtractedEvent(raw, events.Count == 0 ? envelope.EventId : null));
        }
        return events;
    }

    /// <summary>The event in a decoded /store/ body, or null when the body is valid but not an error event.</summary>
    public static ExtractedEvent? FromStoreBody(byte[] decodedBody, IngestLimits limits)
    {
        ArgumentNullException.ThrowIfNull(decodedBody);
        ArgumentNullException.ThrowIfNull(limits);
        if (decodedBody.Length == 0) throw IngestException.BadRequest("empty request body");
        var json = BodyDecoder.StoreBody(decodedBody, limits);
        if (json.Length > limits.MaxEventBytes)
            throw IngestException.TooLarge($"event exceeds the {SizeText.Of(limits.MaxEventBytes)} limit");
        var raw = EventJson.ParseObject(json);
        return IsErrorEvent(raw) ? new ExtractedEvent(raw, null) : null;
    }

    /// <summary>Rules 1–4 above.</summary>
    public static bool IsErrorEvent(JsonObject body)
    {
        if (IsTransaction(body)) return false;
        if (ErrorContentKeys.Any(body.ContainsKey) || body.Any(kv => kv.Key.StartsWith("sentry.interfaces.", StringComparison.Ordinal)))
            return true;
        if (OtherPayloadSignatures.Any(body.ContainsKey) || body["items"] is JsonArray) return false;
        return body.Count == 0 || body.Any(kv => EventAttributes.Contains(kv.Key));
    }

    private static bool IsTransaction(JsonObject body) =>
        body["type"] is JsonValue v && v.TryGetValue(out string? type) && type == "transaction";
}
