using System.Diagnostics;
using System.Net;

namespace Faultline.Benchmarks;

public sealed record Result(string Name, double EventsPerSecond, double P50Ms, double P99Ms, int Failures)
{
    public double ServerCpuMsPerEvent { get; init; }
    /// <summary>Wall time the scenario ran.</summary>
    public double Seconds { get; init; }
    public override string ToString() => $"{Name}: {EventsPerSecond:F0} events/s, p50 {P50Ms:F1} ms, p99 {P99Ms:F1} ms, non-200 {Failures}";
}

/// <summary>Two load shapes: closed loop (N senders back to back) and open loop at a fixed rate.</summary>
public static class Load
{
    public static async Task<Result> ClosedLoop(HttpClient http, string path, byte[][] bodies, int connections, TimeSpan duration, bool progress = false)
    {
        var next = -1;
        var latencies = new List<double>[connections];
        var failures = 0;
        var sw = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, connections).Select(async w =>
        {
            var mine = latencies[w] = new List<double>(4096);
            int i;
            while (sw.Elapsed < duration && (i = Interlocked.Increment(ref next)) < bodies.Length)
            {
                var (ok, ms) = await Send(http, path, bodies[i]);
                if (ok) mine.Add(ms); else Interlocked.Increment(ref failures);
            }
        }).ToArray();
        if (progress)
        {
            // Events acknowledged per second, to see warm-up and stalls (--progress).
            var all = Task.WhenAll(workers);
            var last = 0;
            while (!all.IsCompleted)
            {
                await Task.WhenAny(all, Task.Delay(1000));
                var done = latencies.Sum(l => l?.Count ?? 0);
                Console.Error.Write($"{done - last} ");
                last = done;
            }
            Console.Error.WriteLine();
        }
        await Task.WhenAll(workers);
        var elapsed = sw.Elapsed.TotalSeconds;
        return Summarize(latencies.SelectMany(l => l).ToList(), elapsed, failures);
    }

    public static async Task<Result> FixedRate(HttpClient http, string path, byte[][] bodies, int perSecond, TimeSpan duration)
    {
        var latencies = new System.Collections.Concurrent.ConcurrentBag<double>();
        var failures = 0;
        var inflight = new List<Task>();
        var sw = Stopwatch.StartNew();
        var sent = 0;
        while (sw.Elapsed < duration && sent < bodies.Length)
        {
            // Send whatever is due by now; the schedule never waits for answers (open loop).
            var due = (int)(sw.Elapsed.TotalSeconds * perSecond);
            for (; sent < due && sent < bodies.Length; sent++)
            {
                var body = bodies[sent];
                inflight.Add(Task.Run(async () =>
                {
                    var (ok, ms) = await Send(http, path, body);
                    if (ok) latencies.Add(ms); else Interlocked.Increment(ref failures);
                }));
            }
            await Task.Delay(1);
        }
        await Task.WhenAll(inflight);
        return Summarize(latencies.ToList(), sw.Elapsed.TotalSeconds, failures);
    }

    private static async Task<(bool, double)> Send(HttpClient http, string path, byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentEncoding.Add("gzip");
        var start = Stopwatch.GetTimestamp();
        try
        {
            using var r = await http.PostAsync(path, content);
            await r.Content.ReadAsByteArrayAsync();
            return (r.StatusCode == HttpStatusCode.OK, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        catch (HttpRequestException) { return (false, 0); }
    }

    private static Result Summarize(List<double> lat, double seconds, int failures)
    {
        lat.Sort();
        double P(double q) => lat.Count == 0 ? 0 : lat[Math.Min(lat.Count - 1, (int)(q * lat.Count))];
        return new Result("", lat.Count / seconds, P(0.50), P(0.99), failures) { Seconds = seconds };
    }
}
