using Faultline.Core.Notify;

namespace Faultline.Web.Dashboard;

/// <summary>
/// Keeps one page in step with the store: reads the page's own <see cref="IssueEvents"/>
/// subscription and calls <c>refresh</c> (which re-queries the store and re-renders) whenever a
/// relevant change arrives.
/// Why this shape: a storm of thousands of events per second must cost each open page at most
/// one re-query per <see cref="MinInterval"/>. The first change after a quiet spell refreshes at
/// once (so a single new error shows within milliseconds); changes arriving while a refresh is
/// due are coalesced into it. A subscription that overflowed (the page fell behind and lost
/// changes) simply refreshes, because the store is the truth, not the change feed.
/// </summary>
public sealed class LiveUpdates : IAsyncDisposable
{
    public static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(250);

    private readonly IssueEvents.Subscription _subscription;
    private readonly Func<StoreChange, bool> _relevant;
    private readonly Func<Task> _refresh;
    private readonly TimeProvider _clock;
    private readonly TimeSpan? _safetyInterval;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    /// <summary>Refreshes done so far (for tests and diagnostics).</summary>
    public long Refreshes => Interlocked.Read(ref _refreshes);
    private long _refreshes;

    private LiveUpdates(IssueEvents events, Func<StoreChange, bool> relevant, Func<Task> refresh, TimeProvider clock,
        TimeSpan? safetyInterval, ILogger log)
    {
        // Small queue: coalescing means we only need to know "something changed"; overflow is handled.
        _subscription = events.Subscribe(capacity: 256);
        _relevant = relevant;
        _refresh = refresh;
        _clock = clock;
        _safetyInterval = safetyInterval;
        _log = log;
        _loop = Task.Run(RunAsync);
    }

    /// <param name="relevant">Whether a change concerns this page (e.g. its project).</param>
    /// <param name="refresh">Re-queries and re-renders; the caller marshals onto its renderer (InvokeAsync).</param>
    /// <param name="safetyInterval">Also refresh this often without changes (the overview's 60 s safety net).</param>
    public static LiveUpdates Start(IssueEvents events, Func<StoreChange, bool> relevant, Func<Task> refresh, TimeProvider clock,
        ILogger log, TimeSpan? safetyInterval = null) => new(events, relevant, refresh, clock, safetyInterval, log);

    private async Task RunAsync()
    {
        var reader = _subscription.Reader;
        var ct = _stop.Token;
        var lastRefresh = _clock.GetTimestamp() - (long)(MinInterval.TotalSeconds * _clock.TimestampFrequency);
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var due = await WaitForChangeAsync(reader, ct);
                if (due is null) return; // the feed was completed (subscription disposed)
                if (!due.Value) continue;

                // Throttle: at most one refresh per MinInterval; whatever arrives meanwhile is folded in.
                var wait = MinInterval - _clock.GetElapsedTime(lastRefresh);
                if (wait > TimeSpan.Zero) await Task.Delay(wait, _clock, ct);
                Drain(reader);
                _subscription.TakeOverflowed();

                lastRefresh = _clock.GetTimestamp();
                try
                {
                    await _refresh();
                    Interlocked.Increment(ref _refreshes);
                }
                catch (ObjectDisposedException)
                {
                    return; // the circuit (renderer) is gone
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // One failed re-query (e.g. the database blipped) must not end live updates for the page.
                    _log.LogWarning(ex, "Dashboard live refresh failed");
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>true = refresh now, false = nothing relevant, null = feed closed.</summary>
    private async Task<bool?> WaitForChangeAsync(System.Threading.Channels.ChannelReader<StoreChange> reader, CancellationToken ct)
    {
        if (_safetyInterval is { } every)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(every);
            try
            {
                if (!await reader.WaitToReadAsync(timeout.Token)) return null;
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                return true; // the safety-net timer fired
            }
        }
        else if (!await reader.WaitToReadAsync(ct)) return null;

        return Drain(reader) | _subscription.TakeOverflowed() > 0;
    }

    /// <summary>Empties the queue; true when any change was relevant.</summary>
    private bool Drain(System.Threading.Channels.ChannelReader<StoreChange> reader)
    {
        var any = false;
        while (reader.TryRead(out var change)) any |= _relevant(change);
        return any;
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _subscription.Dispose();
        try { await _loop; } catch (OperationCanceledException) { }
        _stop.Dispose();
    }
}
