using System.Text.Json.Nodes;
using Faultline.Core.Events;
using Faultline.Core.Grouping;
using Faultline.Core.Storage;

namespace Faultline.Core.Ingest;

/// <summary>
/// Everything between a decoded body and a durable event: parse → scrub → normalize →
/// fingerprint → enqueue → wait for the group commit. HTTP concerns (auth headers, CORS,
/// status codes) stay in the web layer; this class only throws <see cref="IngestException"/>.
/// </summary>
public sealed class IngestPipeline(IngestQueue queue, EventNormalizer normalizer, Fingerprinter fingerprinter,
    PiiScrubber scrubber, IngestSettings settings, TimeProvider clock)
{
    /// <summary>Item types that are valid but not stored by an errors-only server.</summary>
    public static readonly IReadOnlySet<string> EventItemTypes = new HashSet<string> { "event" };

    public sealed record Result(string? EventId, int Stored, int Duplicates);

    /// <summary>Processes an envelope already authenticated for <paramref name="projectId"/>.</summary>
    public async Task<Result> IngestEnvelopeAsync(long projectId, Envelope envelope, CancellationToken ct)
    {
        var received = clock.GetUtcNow().UtcDateTime;
        var pending = new List<PendingEvent>();
        foreach (var item in envelope.Items)
        {
            if (!EventItemTypes.Contains(item.Type)) continue; // transactions, sessions, attachments...: accepted, dropped
            // The envelope header's event_id wins, but only for the first event of the envelope:
            // a second event item (Android outbox) keeps its own id.
            var headerId = pending.Count == 0 ? envelope.EventId : null;
            pending.Add(Prepare(projectId, item.Payload, headerId, received, envelope.SentAt));
        }
        if (pending.Count == 0) return new Result(envelope.EventId, 0, 0);
        return await CommitAsync(pending, ct);
    }

    /// <summary>Processes a legacy /store/ body (one JSON event).</summary>
    public async Task<Result> IngestStoreAsync(long projectId, ReadOnlyMemory<byte> json, CancellationToken ct)
    {
        var received = clock.GetUtcNow().UtcDateTime;
        var raw = EventJson.ParseObject(json.Span);
        if (raw["type"]?.GetValueKind() == System.Text.Json.JsonValueKind.String && (string?)raw["type"] == "transaction")
            return new Result(EventIdOf(raw), 0, 0);
        return await CommitAsync([Prepare(projectId, raw, json, null, received, null)], ct);
    }

    private PendingEvent Prepare(long projectId, ReadOnlyMemory<byte> payload, string? headerEventId, DateTime received, DateTime? sentAt)
    {
        if (payload.Length > settings.Limits.MaxEventBytes)
            throw IngestException.TooLarge($"event item exceeds the {settings.Limits.MaxEventBytes / (1024 * 1024)} MB event limit");
        return Prepare(projectId, EventJson.ParseObject(payload.Span), payload, headerEventId, received, sentAt);
    }

    private PendingEvent Prepare(long projectId, JsonObject raw, ReadOnlyMemory<byte> payload, string? headerEventId, DateTime received, DateTime? sentAt)
    {
        byte[] stored;
        if (settings.ScrubPii)
        {
            scrubber.Scrub(raw);
            // The stored "raw payload" must not keep what scrubbing removed.
            stored = System.Text.Encoding.UTF8.GetBytes(raw.ToJsonString());
        }
        else stored = payload.ToArray();
        var evt = normalizer.Normalize(raw, headerEventId, received, sentAt);
        return new PendingEvent(projectId, evt, fingerprinter.Compute(evt), stored);
    }

    private async Task<Result> CommitAsync(List<PendingEvent> pending, CancellationToken ct)
    {
        foreach (var p in pending)
            if (!queue.TryEnqueue(p))
                throw new IngestException(503, "ingest queue is full; retry later") { RetryAfterSeconds = 2 };
        int stored = 0, dup = 0;
        foreach (var p in pending)
        {
            // The request waits for the commit; if storage is stuck we stop waiting, but the event
            // stays queued and may still be written (at-least-once, never acknowledged-then-lost).
            WriteOutcome outcome;
            try { outcome = await p.Done.Task.WaitAsync(settings.CommitTimeout, ct).ConfigureAwait(false); }
            catch (TimeoutException) { throw new IngestException(503, "storage is not keeping up; retry later") { RetryAfterSeconds = 5 }; }
            switch (outcome.Status)
            {
                case WriteStatus.Stored: stored++; break;
                case WriteStatus.Duplicate: dup++; break;
                default: throw new IngestException(503, "storage is unavailable; retry later") { RetryAfterSeconds = 5 };
            }
        }
        return new Result(pending[0].Event.EventId, stored, dup);
    }

    private static string? EventIdOf(JsonObject raw) =>
        raw["event_id"] is JsonValue v && v.TryGetValue<string>(out var s) && s.Replace("-", "").Length == 32
            ? s.Replace("-", "").ToLowerInvariant() : null;
}

public sealed record IngestSettings
{
    public IngestLimits Limits { get; init; } = IngestLimits.Default;
    public bool ScrubPii { get; init; } = true;
    public TimeSpan CommitTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
