using System.Collections.Concurrent;
using Faultline.Core.Issues;
using Faultline.Core.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Faultline.Core.Ops;

/// <summary>
/// Every FAULTLINE_UPTIME_INTERVAL_SECS, GETs each project's service URL through
/// <see cref="UptimeProbe"/> and records status and latency in uptime_checks. At most
/// FAULTLINE_UPTIME_CONCURRENCY checks run at once; a project whose previous check is still
/// queued or running is skipped (no storms when targets are slow). Rows older than 30 days
/// are pruned hourly.
/// </summary>
public sealed class UptimeChecker(FaultlineStore store, UptimeProbe probe, BackgroundRuns runs, OpsOptions options,
    TimeProvider clock, ILogger<UptimeChecker> logger) : BackgroundService
{
    public static readonly TimeSpan KeepChecks = TimeSpan.FromDays(30);
    private readonly ConcurrentDictionary<long, byte> _inFlight = new();
    private readonly SemaphoreSlim _gate = new(options.UptimeConcurrency, options.UptimeConcurrency);
    private DateTime _lastPrune = DateTime.MinValue;
    private long _skipped;

    /// <summary>Checks skipped because the project's previous check had not finished.</summary>
    public long Skipped => Interlocked.Read(ref _skipped);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.UptimeIntervalSecs <= 0) return;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.UptimeIntervalSecs), clock);
        var rounds = new List<Task>();
        do
        {
            rounds.RemoveAll(t => t.IsCompleted);
            rounds.Add(RoundAndReportAsync(stoppingToken));
        } while (await WaitAsync(timer, stoppingToken));
        try { await Task.WhenAll(rounds); } catch (OperationCanceledException) { }
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken ct)
    {
        try { return await timer.WaitForNextTickAsync(ct); }
        catch (OperationCanceledException) { return false; }
    }

    private async Task RoundAndReportAsync(CancellationToken ct)
    {
        try
        {
            await RunRoundAsync(ct);
            runs.Report(BackgroundRuns.UptimeChecker);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        catch (Exception ex)
        {
            runs.ReportFailure(BackgroundRuns.UptimeChecker, ex.GetType().Name);
            logger.LogError(ex, "Uptime round failed");
        }
    }

    /// <summary>Starts a check for every project with a service URL not already being checked; completes when they finish.</summary>
    public async Task<int> RunRoundAsync(CancellationToken ct = default)
    {
        var projects = await store.ListProjectsAsync();
        var started = new List<Task>();
        foreach (var p in projects)
        {
            if (string.IsNullOrWhiteSpace(p.ServiceUrl)) continue;
            if (!_inFlight.TryAdd(p.Id, 0))
            {
                Interlocked.Increment(ref _skipped);
                logger.LogDebug("Uptime check of project {ProjectId} skipped: the previous one is still running", p.Id);
                continue;
            }
            started.Add(CheckOneAsync(p, ct));
        }
        await Task.WhenAll(started);
        await PruneAsync();
        return started.Count;
    }

    private async Task CheckOneAsync(Project p, CancellationToken ct)
    {
        try
        {
            await _gate.WaitAsync(ct);
            try
            {
                var at = clock.GetUtcNow().UtcDateTime;
                var r = await probe.CheckAsync(p.ServiceUrl!, p.ServiceUrlByAdmin, ct);
                FaultlineMeter.UptimeChecks.Add(1, new KeyValuePair<string, object?>("outcome", r.Outcome));
                await store.RecordUptimeCheckAsync(new UptimeCheck(p.Id, at, p.ServiceUrl!, r.StatusCode, r.LatencyMs, r.Ok, r.Error));
                if (!r.Ok)
                    logger.LogInformation("Uptime check of project {ProjectId} {Outcome}: {Error}", p.Id, r.Outcome, r.Error);
            }
            finally { _gate.Release(); }
        }
        finally { _inFlight.TryRemove(p.Id, out _); }
    }

    private async Task PruneAsync()
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (now - _lastPrune < TimeSpan.FromHours(1)) return;
        _lastPrune = now;
        var n = await store.PruneUptimeChecksAsync(now - KeepChecks);
        if (n > 0) logger.LogInformation("Pruned {Count} uptime checks older than {Days} days", n, KeepChecks.TotalDays);
    }
}
