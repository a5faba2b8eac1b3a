using System.Collections.Concurrent;
using System.Threading.Channels;
using Faultline.Core.Config;
using Faultline.Core.Ingest;
using Faultline.Core.Issues;
using Faultline.Core.Notify;
using Faultline.Core.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Faultline.Core.Loop;

/// <summary>
/// The agentic loop: watches committed events, files beads when the tracker says so, dispatches them,
/// polls their status, runs the quiet period and files regression beads.
///
/// Ingest never waits on it: store changes arrive through an <see cref="IssueEvents"/> subscription (which
/// drops rather than blocks), the reader only does in-memory tracker work, and everything that runs bd/gt
/// goes through a bounded work channel drained by one worker. All state-changing work holds one gate, so
/// decisions about an issue are never made twice concurrently (one open bead per issue).
/// </summary>
public sealed partial class LoopService : BackgroundService, IBeadDispatcher
{
    readonly FaultlineStore _store;
    readonly LoopStore _loop;
    readonly ProjectDirectory _projects;
    readonly IssueEvents _events;
    readonly BeadTracker _tracker;
    readonly IBdClient _bd;
    readonly IGtClient _gt;
    readonly LoopOptions _options;
    readonly string _apiUrl;
    readonly TimeProvider _time;
    readonly ILogger _log;

    readonly IssueEvents.Subscription _subscription;
    readonly Channel<LoopWork> _work = Channel.CreateBounded<LoopWork>(new BoundedChannelOptions(2000) { SingleReader = true });
    readonly SemaphoreSlim _gate = new(1, 1);
    /// <summary>Issues in their quiet period: an event for one of them cancels the resolution.</summary>
    readonly ConcurrentDictionary<long, byte> _stabilizing = new();
    /// <summary>Consecutive failed bd create attempts per issue (drives back-off and keeps one detection row per cycle).</summary>
    readonly ConcurrentDictionary<long, int> _fileAttempts = new();
    readonly ConcurrentDictionary<string, string> _lastPollError = new();
    /// <summary>Failed gt escalate attempts per issue and when to try again (in memory: after a restart the tick simply tries).</summary>
    readonly ConcurrentDictionary<long, (int Attempts, DateTime NextAt)> _escalateAttempts = new();
    DateTime _lastPoll = DateTime.MinValue;
    long _observedEvents;

    /// <summary>Failed gt calls (sling, escalate) are tried this many times in total before the loop gives up (the Dispatch button still works).</summary>
    internal const int MaxGtAttempts = 6;
    internal static readonly TimeSpan TickInterval = TimeSpan.FromMinutes(1);
    /// <summary>Un-beaded issues quiet for longer than this are not re-tracked after a restart (dormant).</summary>
    static readonly TimeSpan SeedWindow = TimeSpan.FromHours(24);

    public LoopService(FaultlineStore store, LoopStore loop, ProjectDirectory projects, IssueEvents events, BeadTracker tracker,
        IBdClient bd, IGtClient gt, LoopOptions options, FaultlineOptions faultline, TimeProvider time, ILogger<LoopService> log)
    {
        (_store, _loop, _projects, _events, _tracker, _bd, _gt, _options, _time, _log) =
            (store, loop, projects, events, tracker, bd, gt, options, time, log);
        _apiUrl = faultline.ApiUrl;
        // Subscribed at construction, before the host starts serving: no committed event can slip past.
        _subscription = events.Subscribe(capacity: 8192);
    }

    /// <summary>Events the loop has looked at (tests use it to know the stream has been consumed).</summary>
    internal long ObservedEvents => Interlocked.Read(ref _observedEvents);

    DateTime Now => _time.GetUtcNow().UtcDateTime;

    abstract record LoopWork(long ProjectId, long IssueId);
    /// <summary>File a bead: a tracker detection, or (Detection null) a regression waiting for its bead.</summary>
    sealed record FileWork(long ProjectId, long IssueId, Detection? Detection) : LoopWork(ProjectId, IssueId);
    /// <summary>An event arrived for an issue in its quiet period.</summary>
    sealed record CancelQuietWork(long ProjectId, long IssueId, string? EventId, string? Level) : LoopWork(ProjectId, IssueId);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _log.LogInformation("Gas Town loop running: {Options}", _options);
        ApplyThresholds();
        await Guarded("seeding the tracker", () => SeedAsync(stoppingToken), stoppingToken);
        await Task.WhenAll(ReadChangesAsync(stoppingToken), WorkAsync(stoppingToken), TimerAsync(stoppingToken));
    }

    public override void Dispose()
    {
        _subscription.Dispose();
        _gate.Dispose();
        base.Dispose();
    }

    /// <summary>
    /// One deterministic pass (what the timer does every minute): slow-burn and retry detections, pending
    /// regression beads, finished quiet periods, due dispatch retries, and — when <paramref name="poll"/> —
    /// one bead status poll. Also drains queued work so a test sees its effects when this returns.
    /// </summary>
    internal async Task RunOnceAsync(bool poll = true, CancellationToken ct = default)
    {
        await _gate.WaitAsync(ct);
        try
        {
            while (_work.Reader.TryRead(out var queued)) await Guarded("queued loop work", () => HandleAsync(queued, ct), ct);
            foreach (var d in _tracker.Tick())
                await Guarded("filing a bead", () => FileAsync(new FileWork(d.ProjectId, d.IssueId, d), ct), ct);
            await Guarded("filing regression beads", () => FilePendingRegressionsAsync(ct), ct);
            await Guarded("retrying escalations", () => RetryEscalationsAsync(ct), ct);
            await Guarded("checking quiet periods and dispatch retries", () => CheckTrackedAsync(ct), ct);
            if (poll)
            {
                _lastPoll = Now;
                await Guarded("polling beads", () => PollAsync(ct), ct);
            }
        }
        finally { _gate.Release(); }
    }

    async Task TimerAsync(CancellationToken ct)
    {
        var interval = _options.BeadPollInterval < TickInterval ? _options.BeadPollInterval : TickInterval;
        while (!ct.IsCancellationRequested)
        {
            try { await Task.Delay(interval, _time, ct); }
            catch (OperationCanceledException) { return; }
            await Guarded("the loop tick", () => RunOnceAsync(Now - _lastPoll >= _options.BeadPollInterval, ct), ct);
        }
    }

    async Task ReadChangesAsync(CancellationToken ct)
    {
        try
        {
            await foreach (var change in _subscription.Reader.ReadAllAsync(ct))
            {
                if (_subscription.TakeOverflowed() is > 0 and var lost)
                    _log.LogWarning("Gas Town loop fell behind and missed {Count} store changes; the minute tick re-checks stored state", lost);
                try { OnChange(change); }
                catch (Exception ex) { _log.LogError(ex, "Gas Town loop failed on a {Kind} change", change.Kind); }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
    }

    async Task WorkAsync(CancellationToken ct)
    {
        try
        {
            await foreach (var work in _work.Reader.ReadAllAsync(ct))
            {
                await _gate.WaitAsync(ct);
                try { await Guarded("loop work", () => HandleAsync(work, ct), ct); }
                finally { _gate.Release(); }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
    }

    /// <summary>In-memory only: runs on the change stream and must stay cheap.</summary>
    void OnChange(StoreChange change)
    {
        if (change.Kind == StoreChange.ProjectChanged) { ApplyThresholds(); return; }
        if (RigOf(change.ProjectId) is null) return;
        switch (change.Kind)
        {
            case StoreChange.EventStored:
                Interlocked.Increment(ref _observedEvents);
                if (_stabilizing.ContainsKey(change.IssueId))
                {
                    Enqueue(new CancelQuietWork(change.ProjectId, change.IssueId, change.EventId, change.Level));
                    return;
                }
                // The time Faultline got it, not the SDK's clock (which may be wrong).
                if (_tracker.Observe(change.IssueId, change.ProjectId, Now, change.Level) is { } detection)
                    Enqueue(new FileWork(change.ProjectId, change.IssueId, detection));
                break;
            case StoreChange.IssueRegressed:
                Enqueue(new FileWork(change.ProjectId, change.IssueId, null));
                break;
            // IssueReopened needs nothing: every way to resolve (the loop, the API) already cleared the tracker,
            // and clearing here would forget the very event that reopened the issue.
            case StoreChange.IssueChanged when change.Detail is IssueStatus.Active or IssueStatus.Resolved or IssueStatus.Ignored:
                // Set by hand (API/dashboard) or the loop's own resolution: whatever cycle was running is over.
                _tracker.MarkBeadCleared(change.IssueId);
                _stabilizing.TryRemove(change.IssueId, out _);
                break;
        }
    }

    void Enqueue(LoopWork work)
    {
        if (_work.Writer.TryWrite(work)) return;
        // Full: never block the change stream. A detection comes back through the tracker after the back-off.
        _log.LogWarning("Gas Town loop work queue is full; dropping work for issue {IssueId}", work.IssueId);
        if (work is FileWork { Detection: not null }) _tracker.MarkFilingFailed(work.IssueId, TimeSpan.FromMinutes(1));
    }

    Task HandleAsync(LoopWork work, CancellationToken ct) => work switch
    {
        FileWork f => FileAsync(f, ct),
        CancelQuietWork c => CancelQuietOnEventAsync(c, ct),
        _ => Task.CompletedTask,
    };

    async Task SeedAsync(CancellationToken ct)
    {
        var seeded = 0;
        foreach (var s in await _loop.LoadSeedAsync(Database.Ms(Now - SeedWindow), newestPerIssue: 50))
        {
            if (RigOf(s.ProjectId) is null) continue;
            _tracker.Seed(s.IssueId, s.ProjectId, s.Events);
            seeded++;
        }
        var open = 0;
        foreach (var t in await _loop.ListTrackedAsync())
        {
            _tracker.MarkBeadOpen(t.IssueId, t.ProjectId);
            if (t.Status == IssueStatus.Stabilizing) _stabilizing[t.IssueId] = 0;
            open++;
        }
        _log.LogInformation("Gas Town loop seeded {Seeded} un-beaded issue(s) and {Open} open bead cycle(s) from storage", seeded, open);
        ct.ThrowIfCancellationRequested();
    }

    /// <summary>The project's rig, or null when it has none (such projects never file beads).</summary>
    /// <summary>
    /// Each project's detection thresholds: FAULTLINE_DETECTION_THRESHOLDS wins (validated at start-up), then the
    /// project's dashboard setting, then the defaults. Re-run whenever project settings change.
    /// </summary>
    internal void ApplyThresholds()
    {
        foreach (var p in _projects.All)
        {
            var thresholds = _options.Thresholds.GetValueOrDefault(p.Id) ?? DetectionThresholds.Default;
            if (!_options.Thresholds.ContainsKey(p.Id) && p.DetectionThresholds is { } setting)
            {
                try { thresholds = DetectionThresholdsParser.ParseSettings(setting); }
                catch (Faultline.Core.Config.ConfigException ex)
                {
                    // Only a hand-edited row gets here (the dashboard validates): keep the defaults, say why.
                    _log.LogWarning("Project {ProjectId}: ignoring stored detection thresholds: {Problem}", p.Id, ex.Problem);
                }
            }
            _tracker.SetThresholds(p.Id, thresholds);
        }
    }

    string? RigOf(long projectId) => _projects.ById(projectId)?.Rig is { } rig && BeadIds.IsValidRig(rig) ? rig : null;

    void Publish(long projectId, long issueId, string detail) =>
        _events.Publish(new StoreChange { Kind = StoreChange.IssueChanged, ProjectId = projectId, IssueId = issueId, Detail = detail, At = Now });

    Task Timeline(long projectId, long issueId, string kind, string detail) => _loop.AddLifecycleAsync(projectId, issueId, kind, detail);

    /// <summary>Exponential back-off from one minute, capped at 30 minutes.</summary>
    internal static TimeSpan Backoff(int attempt) =>
        TimeSpan.FromMinutes(Math.Min(30, Math.Pow(2, Math.Clamp(attempt - 1, 0, 10))));

    /// <summary>The loop must never take the host down: failures are logged and the next tick tries again.</summary>
    async Task Guarded(string what, Func<Task> work, CancellationToken ct)
    {
        try { await work(); }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { throw; }
        catch (Exception ex) { _log.LogError(ex, "Gas Town loop failed while {What}", what); }
    }

    static string Span(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{(t.Minutes > 0 ? $" {t.Minutes}m" : "")}"
        : t.TotalMinutes >= 1 ? $"{(int)t.TotalMinutes}m{(t.Seconds > 0 ? $" {t.Seconds}s" : "")}"
        : $"{(int)t.TotalSeconds}s";

    static string Iso(DateTime t) => DateTime.SpecifyKind(t, DateTimeKind.Utc).ToString("yyyy-MM-dd HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
