using System.Diagnostics;
using Faultline.Core.Events;
using Faultline.Core.Grouping;
using Faultline.Core.Ingest;

namespace Faultline.Benchmarks;

/// <summary>
/// `--stages`: CPU time of each in-process ingest stage for one event size, without HTTP or
/// storage, to show where an event's server time goes.
/// </summary>
public static class StageTimings
{
    public static void Run(bool large, int n = 3000)
    {
        var bodies = Enumerable.Range(0, n).Select(i => EventFactory.GzipEnvelope(i, large, "k")).ToArray();
        var scrubber = new PiiScrubber();
        var normalizer = new EventNormalizer();
        var fingerprinter = new Fingerprinter();
        var t = new double[7];
        for (var round = 0; round < 2; round++) // round 0 warms up the JIT
        {
            Array.Clear(t);
            foreach (var gz in bodies)
            {
                var s = Stopwatch.GetTimestamp();
                var raw = BodyDecoder.ReadAsync(new MemoryStream(gz), "gzip", IngestLimits.Default, default).GetAwaiter().GetResult();
                t[0] += Lap(ref s);
                var env = EnvelopeParser.Parse(raw);
                t[1] += Lap(ref s);
                var evt = EventExtractor.FromEnvelope(env)[0];
                t[2] += Lap(ref s);
                scrubber.Scrub(evt.Raw);
                t[3] += Lap(ref s);
                var payload = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(evt.Raw); // as IngestPipeline does
                var norm = normalizer.Normalize(evt.Raw, evt.EventId, DateTime.UtcNow, env.SentAt);
                t[4] += Lap(ref s);
                fingerprinter.Compute(norm);
                t[5] += Lap(ref s);
                _ = norm.Data.ToJsonString().Length + payload.Length;
                t[6] += Lap(ref s);
            }
        }
        string[] names = ["decompress", "envelope parse", "event JSON parse", "PII scrub", "normalize (+payload serialize)", "fingerprint", "serialize normalized data"];
        Console.WriteLine($"per-event stage CPU, {(large ? "≈50 KB" : "≈3 KB")} events (µs):");
        for (var i = 0; i < t.Length; i++) Console.WriteLine($"  {names[i],-32} {t[i] / n:F1}");
        Console.WriteLine($"  {"total",-32} {t.Sum() / n:F1}");
    }

    private static double Lap(ref long start)
    {
        var now = Stopwatch.GetTimestamp();
        var us = Stopwatch.GetElapsedTime(start, now).TotalMicroseconds;
        start = now;
        return us;
    }
}
