using Faultline.Core.Storage;

namespace Faultline.Core.Ops;

/// <summary>
/// Events accepted in the last minute and hour, from in-memory 10-second buckets fed by
/// sampling <see cref="BatchWriter.EventsCommitted"/> every 5 s (and on every read). Never
/// touches the database.
/// </summary>
public sealed class IngestRate : IDisposable
{
    private const int BucketSecs = 10;
    private const int Buckets = 3600 / BucketSecs + 1;
    private readonly BatchWriter _writer;
    private readonly TimeProvider _clock;
    private readonly long[] _counts = new long[Buckets];
    private readonly long[] _slots = new long[Buckets];
    private readonly Lock _lock = new();
    private readonly ITimer _timer;
    private long _lastTotal;

    public IngestRate(BatchWriter writer, TimeProvider clock)
    {
        _writer = writer;
        _clock = clock;
        Array.Fill(_slots, -1);
        _timer = clock.CreateTimer(_ => Sample(), null, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5));
    }

    private long NowSlot => _clock.GetUtcNow().ToUnixTimeSeconds() / BucketSecs;

    /// <summary>Moves newly committed events into the current bucket.</summary>
    public void Sample()
    {
        lock (_lock)
        {
            var total = _writer.EventsCommitted;
            var delta = total - _lastTotal;
            _lastTotal = total;
            if (delta <= 0) return;
            var slot = NowSlot;
            var i = (int)(slot % Buckets);
            if (_slots[i] != slot) { _slots[i] = slot; _counts[i] = 0; }
            _counts[i] += delta;
        }
    }

    /// <summary>Events committed in the last 60 s and the last hour (10-second resolution).</summary>
    public (long LastMinute, long LastHour) Counts()
    {
        Sample();
        lock (_lock)
        {
            var now = NowSlot;
            long minute = 0, hour = 0;
            for (var i = 0; i < Buckets; i++)
            {
                var age = now - _slots[i];
                if (_slots[i] < 0 || age < 0) continue;
                if (age < 60 / BucketSecs) minute += _counts[i];
                if (age < 3600 / BucketSecs) hour += _counts[i];
            }
            return (minute, hour);
        }
    }

    public void Dispose() => _timer.Dispose();
}
