using Faultline.Core.Notify;
using Faultline.Core.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Faultline.Core.Ops;

public enum HeartbeatState { Unknown, Up, Down }

/// <summary>Heartbeat health of one project as of the last evaluation.</summary>
public sealed record HeartbeatStatus(long ProjectId, HeartbeatState State, DateTime? LastAt, TimeSpan? Expected, DateTime? DownSince);

/// <summary>
/// Turns heartbeat pings into up/down. A project is down when no ping arrived for longer than
/// its expected interval: the project setting heartbeat_interval_secs, else 3 × the median gap
/// of its recent pings (at least 60 s; unknown until two pings exist). Each outage writes ONE
/// <c>heartbeat_down</c> ops event and each recovery one <c>heartbeat_recovered</c>, both also
/// published on <see cref="IssueEvents"/>; the newest of the two in the database is the state,
/// so a restart neither repeats nor forgets an outage.
/// </summary>
public sealed class HeartbeatMonitor(FaultlineStore store, IssueEvents events, BackgroundRuns runs, OpsOptions options,
    TimeProvider clock, ILogger<HeartbeatMonitor> logger) : BackgroundService
{
    public static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(60);
    private const int RecentPings = 21;

    private readonly Dictionary<long, bool> _downRecorded = new();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile IReadOnlyDictionary<long, HeartbeatStatus> _current = new Dictionary<long, HeartbeatStatus>();

    /// <summary>The statuses computed by the last evaluation (no database access).</summary>
    public IReadOnlyDictionary<long, HeartbeatStatus> Current => _current;

    /// <summary>The expected interval between pings, or null when it cannot be known yet.</summary>
    public static TimeSpan? ExpectedInterval(int? settingSecs, IReadOnlyList<DateTime> recentNewestFirst)
    {
        if (settingSecs is > 0) return TimeSpan.FromSeconds(settingSecs.Value);
        if (recentNewestFirst.Count < 2) return null;
        var gaps = new List<double>(recentNewestFirst.Count - 1);
        for (var i = 0; i + 1 < recentNewestFirst.Count; i++)
            gaps.Add((recentNewestFirst[i] - recentNewestFirst[i + 1]).TotalMilliseconds);
        gaps.Sort();
        var mid = gaps.Count / 2;
        var median = gaps.Count % 2 == 1 ? gaps[mid] : (gaps[mid - 1] + gaps[mid]) / 2;
        var derived = TimeSpan.FromMilliseconds(3 * median);
        return derived < MinInterval ? MinInterval : derived;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.HeartbeatCheckSecs), clock);
        do
        {
            try
            {
                await CheckAsync(stoppingToken);
                runs.Report(BackgroundRuns.HeartbeatMonitor);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { return; }
            catch (Exception ex)
            {
                runs.ReportFailure(BackgroundRuns.HeartbeatMonitor, ex.GetType().Name);
                logger.LogError(ex, "Heartbeat evaluation failed");
            }
        } while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken ct)
    {
        try { return await timer.WaitForNextTickAsync(ct); }
        catch (OperationCanceledException) { return false; }
    }

    /// <summary>Evaluates every project once; records down/recovered transitions. Returns the new statuses.</summary>
    public async Task<IReadOnlyDictionary<long, HeartbeatStatus>> CheckAsync(CancellationToken ct = default)
    {
        await _gate.WaitAsync(ct);
        try
        {
            var now = clock.GetUtcNow().UtcDateTime;
            var result = new Dictionary<long, HeartbeatStatus>();
            foreach (var p in await store.ListProjectsAsync())
            {
                ct.ThrowIfCancellationRequested();
                if (p.LastHeartbeatAt is not { } last)
                {
                    result[p.Id] = new HeartbeatStatus(p.Id, HeartbeatState.Unknown, null, p.HeartbeatIntervalSecs is > 0 ? TimeSpan.FromSeconds(p.HeartbeatIntervalSecs.Value) : null, null);
                    continue;
                }
                IReadOnlyList<DateTime> recent = p.HeartbeatIntervalSecs is > 0 ? [] : await store.RecentHeartbeatsAsync(p.Id, RecentPings);
                var expected = ExpectedInterval(p.HeartbeatIntervalSecs, recent);
                var downRecorded = await IsDownRecordedAsync(p.Id);
                if (expected is not { } interval)
                {
                    result[p.Id] = new HeartbeatStatus(p.Id, HeartbeatState.Unknown, last, null, null);
                    continue;
                }
                var overdue = now - last > interval;
                if (overdue && !downRecorded)
                {
                    var detail = $"no heartbeat for {Human(now - last)} (expected every {Human(interval)}); last at {last:yyyy-MM-dd HH:mm:ss} UTC";
                    await RecordAsync(p.Id, OpsEventKinds.HeartbeatDown, detail, true);
                    logger.LogWarning("Project {ProjectId} is down: {Detail}", p.Id, detail);
                }
                else if (!overdue && downRecorded)
                {
                    await RecordAsync(p.Id, OpsEventKinds.HeartbeatRecovered, $"heartbeats resumed at {last:yyyy-MM-dd HH:mm:ss} UTC", false);
                    logger.LogInformation("Project {ProjectId} recovered: heartbeats resumed", p.Id);
                }
                result[p.Id] = new HeartbeatStatus(p.Id, overdue ? HeartbeatState.Down : HeartbeatState.Up, last, interval,
                    overdue ? last + interval : null);
            }
            _current = result;
            return result;
        }
        finally { _gate.Release(); }
    }

    private async Task<bool> IsDownRecordedAsync(long projectId)
    {
        if (_downRecorded.TryGetValue(projectId, out var down)) return down;
        var latest = await store.LatestOpsEventAsync(projectId, OpsEventKinds.HeartbeatDown, OpsEventKinds.HeartbeatRecovered);
        return _downRecorded[projectId] = latest?.Kind == OpsEventKinds.HeartbeatDown;
    }

    private async Task RecordAsync(long projectId, string kind, string detail, bool down)
    {
        var e = await store.AddOpsEventAsync(projectId, kind, detail);
        _downRecorded[projectId] = down;
        events.Publish(new StoreChange { Kind = kind, ProjectId = projectId, At = e.CreatedAt, Detail = detail });
    }

    internal static string Human(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{(int)t.TotalHours} h {t.Minutes} min" : t.TotalMinutes >= 1 ? $"{(int)t.TotalMinutes} min {t.Seconds} s" : $"{(int)t.TotalSeconds} s";
}
