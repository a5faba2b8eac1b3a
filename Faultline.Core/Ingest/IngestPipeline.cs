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
    public sealed record Result(string? EventId, int Stored, int Duplicates);

    /// <summary>Processes an envelope already authenticated for <paramref name="projectId"/>.</summary>
    public Task<Result> IngestEnvelopeAsync(long projectId, Envelope envelope, CancellationToken ct) =>
        IngestAsync(projectId, EventExtractor.FromEnvelope(envelope), envelope.EventId, envelope.SentAt, ct);

    /// <summary>Processes a decoded legacy /store/ body (one JSON event, maybe base64+zlib).</summary>
    public Task<Result> IngestStoreAsync(long projectId, byte[] body, CancellationToken ct)
    {
        var extracted = EventExtractor.FromStoreBody(body, settings.Limits);
        return IngestAsync(projectId, extracted is null ? [] : [extracted], null, null, ct);
    }

    /// <summary>Processes one event built in-process (Faultline's self-monitoring); no HTTP involved.</summary>
    public Task<Result> IngestEventAsync(long projectId, JsonObject evt, CancellationToken ct) =>
        IngestAsync(projectId, [new ExtractedEvent(evt, null)], null, null, ct);

    private async Task<Result> IngestAsync(long projectId, IReadOnlyList<ExtractedEvent> events, string? fallbackId, DateTime? sentAt, CancellationToken ct)
    {
        if (events.Count == 0) return new Result(fallbackId, 0, 0); // valid, nothing to store
        var received = clock.GetUtcNow().UtcDateTime;
        var pending = new List<PendingEvent>(events.Count);
        foreach (var e in events)
        {
            if (settings.ScrubPii) scrubber.Scrub(e.Raw);
            // Stored as received (re-serialized after scrubbing, so nothing scrubbed survives in it),
            // before normalization takes the tree over and rewrites it.
            var payload = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(e.Raw);
            var evt = normalizer.Normalize(e.Raw, e.EventId, received, sentAt);
            pending.Add(new PendingEvent(projectId, evt, fingerprinter.Compute(evt), payload));
        }
        return await CommitAsync(pending, ct);
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
}
public sealed record IngestSettings
{
    public IngestLimits Limits { get; init; } = IngestLimits.Default;
    public bool ScrubPii { get; init; } = true;
    public TimeSpan CommitTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
