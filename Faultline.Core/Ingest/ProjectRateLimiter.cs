using System.Collections.Concurrent;

namespace Faultline.Core.Ingest;

/// <summary>
/// Per-project token bucket (FAULTLINE_RATE_LIMIT events/s, burst of one second's worth, at least 10).
/// A refusal says how many whole seconds until a token is available, for Retry-After.
/// </summary>
public sealed class ProjectRateLimiter(double eventsPerSecond, TimeProvider clock)
{
    private readonly ConcurrentDictionary<long, Bucket> _buckets = new();
    private readonly double _burst = Math.Max(10, eventsPerSecond);

    private sealed class Bucket { public double Tokens; public long Stamp; }

    /// <summary>Takes <paramref name="n"/> tokens; returns 0 when allowed, else the seconds to wait (≥ 1).</summary>
    public int TryTake(long projectId, int n = 1)
    {
        var b = _buckets.GetOrAdd(projectId, _ => new Bucket { Tokens = _burst, Stamp = clock.GetTimestamp() });
        lock (b)
        {
            var now = clock.GetTimestamp();
            var elapsed = clock.GetElapsedTime(b.Stamp, now).TotalSeconds;
            b.Stamp = now;
            b.Tokens = Math.Min(_burst, b.Tokens + elapsed * eventsPerSecond);
            if (b.Tokens >= n)
            {
                b.Tokens -= n;
                return 0;
            }
            return Math.Max(1, (int)Math.Ceiling((n - b.Tokens) / eventsPerSecond));
        }
    }
}
