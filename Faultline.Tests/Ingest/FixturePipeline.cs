using Faultline.Core.Events;
using Faultline.Core.Grouping;
using Faultline.Core.Ingest;
using Faultline.Tests.Fixtures;

namespace Faultline.Tests.Ingest;

/// <summary>
/// The pure part of ingest, end to end, as the HTTP layer is expected to chain it:
/// decode body → parse envelope / store body → extract events → scrub → normalise → group.
/// </summary>
internal static class FixturePipeline
{
    public static readonly DateTime ReceivedAt = new(2025, 3, 1, 12, 0, 0, DateTimeKind.Utc);

    public sealed record Processed(NormalizedEvent Event, GroupingResult Grouping);

    public static async Task<IReadOnlyList<Processed>> RunAsync(SdkFixture fixture)
    {
        var limits = IngestLimits.Default;
        using var wire = new MemoryStream(fixture.ReadBytes());
        var body = await BodyDecoder.ReadAsync(wire, fixture.SendAs == SendAs.StoreGzip ? "gzip" : null, limits, CancellationToken.None);

        IReadOnlyList<ExtractedEvent> extracted;
        DateTime? sentAt = null;
        if (fixture.SendAs == SendAs.Envelope)
        {
            var envelope = EnvelopeParser.Parse(body, limits);
            sentAt = envelope.SentAt;
            extracted = EventExtractor.FromEnvelope(envelope);
        }
        else
        {
            extracted = EventExtractor.FromStoreBody(body, limits) is { } single ? [single] : [];
        }

        var scrubber = new PiiScrubber();
        var normalizer = new EventNormalizer();
        var fingerprinter = new Fingerprinter();
        var result = new List<Processed>();
        foreach (var e in extracted)
        {
            scrubber.Scrub(e.Raw);
            var normalized = normalizer.Normalize(e.Raw, e.EventId, ReceivedAt, sentAt);
            result.Add(new Processed(normalized, fingerprinter.Compute(normalized)));
        }
        return result;
    }
}
