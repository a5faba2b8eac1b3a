namespace Faultline.Core.Loop;

/// <summary>
/// Decides when an issue needs a bead: burst (N error/fatal events within a window), fatal (a fatal
/// event files immediately) and slow burn (an error issue left un-beaded too long, found by
/// <see cref="Tick"/>). Pure: no I/O, time only from the <see cref="TimeProvider"/>, thread-safe.
///
/// One bead per issue: after a <see cref="Detection"/> the issue is suppressed until the caller reports
/// the outcome — <see cref="MarkBeadOpen"/> (filed, or linked by hand) keeps it quiet until
/// <see cref="MarkBeadCleared"/>; <see cref="MarkFilingFailed"/> re-arms it after a back-off. That is
/// what prevents bead storms during a bad deploy.
///
/// Memory: per issue at most BurstCount timestamps plus a few scalars; an issue with an open bead keeps
/// no timestamps, and a cleared issue is forgotten. After a restart, <see cref="Seed"/> rebuilds the
/// state from stored events and the next <see cref="Tick"/> fires whatever became due while down.
/// </summary>
public sealed class BeadTracker(TimeProvider time)
{
    sealed class IssueState
    {
        public long ProjectId;
        /// <summary>Newest error/fatal timestamps inside the burst window, ascending, at most BurstCount.</summary>
        public readonly List<DateTime> Recent = [];
        public int FatalEvents;
        /// <summary>First error/fatal event of the current un-beaded stretch: the slow-burn clock.</summary>
        public DateTime? FirstErrorAt;
        public bool OpenBead;
        /// <summary>A detection was handed out and its outcome not yet reported.</summary>
        public bool Pending;
        public DateTime? RetryNotBefore;
    }

    readonly Lock _gate = new();
    readonly Dictionary<long, IssueState> _issues = [];
    readonly Dictionary<long, DetectionThresholds> _thresholds = [];

    public void SetThresholds(long projectId, DetectionThresholds thresholds)
    {
        thresholds.Validate();
        lock (_gate) _thresholds[projectId] = thresholds;
    }

    public DetectionThresholds ThresholdsFor(long projectId)
    {
        lock (_gate) return _thresholds.GetValueOrDefault(projectId) ?? DetectionThresholds.Default;
    }

    /// <summary>
    /// Feed one stored event. Pass the time Faultline received it (SDK clocks lie); future times are
    /// clamped to now. Returns a detection when this event makes the issue due.
    /// </summary>
    public Detection? Observe(long issueId, long projectId, DateTime timestamp, string? level)
    {
        var fatal = IsFatal(level);
        if (!fatal && !IsError(level)) return null;
        var now = Now();
        lock (_gate)
        {
            var state = GetOrAdd(issueId, projectId);
            if (state.OpenBead) return null; // this cycle is already being fixed; the lifecycle owns it now
            Record(state, Utc(timestamp, now), fatal, now);
            return Evaluate(issueId, state, now);
        }
    }

    /// <summary>Periodic check (e.g. every minute): slow burns, plus anything due after a seed or a back-off.</summary>
    public IReadOnlyList<Detection> Tick()
    {
        var now = Now();
        var due = new List<Detection>();
        lock (_gate)
        {
            foreach (var (issueId, state) in _issues)
                if (!state.OpenBead && Evaluate(issueId, state, now) is { } d) due.Add(d);
        }
        return due;
    }

    /// <summary>
    /// Rebuild one issue after a restart from its stored events of the current (un-beaded) cycle.
    /// Never fires by itself; the next <see cref="Tick"/> does.
    /// </summary>
    public void Seed(long issueId, long projectId, IEnumerable<(DateTime Ts, string Level)> events, bool hasOpenBead = false)
    {
        var now = Now();
        lock (_gate)
        {
            var state = new IssueState { ProjectId = projectId, OpenBead = hasOpenBead };
            _issues[issueId] = state;
            if (hasOpenBead) return;
            foreach (var (ts, level) in events.OrderBy(e => e.Ts))
            {
                var fatal = IsFatal(level);
                if (fatal || IsError(level)) Record(state, Utc(ts, now), fatal, now);
            }
            if (state.FirstErrorAt is null) _issues.Remove(issueId);
        }
    }

    /// <summary>A bead is open for the issue (filed by us or linked by hand): stay silent until cleared.</summary>
    public void MarkBeadOpen(long issueId, long projectId)
    {
        lock (_gate)
        {
            var state = GetOrAdd(issueId, projectId);
            state.OpenBead = true;
            state.Pending = false;
            state.RetryNotBefore = null;
            state.Recent.Clear();
            state.FatalEvents = 0;
            state.FirstErrorAt = null;
        }
    }

    /// <summary>The issue's bead cycle ended (resolved, or the bead was unlinked): start from nothing.</summary>
    public void MarkBeadCleared(long issueId)
    {
        lock (_gate) _issues.Remove(issueId);
    }

    /// <summary>Filing failed: keep the evidence and fire again on the first tick/event after <paramref name="retryAfter"/>.</summary>
    public void MarkFilingFailed(long issueId, TimeSpan retryAfter)
    {
        var now = Now();
        lock (_gate)
        {
            if (!_issues.TryGetValue(issueId, out var state)) return;
            state.Pending = false;
            state.RetryNotBefore = now + retryAfter;
        }
    }

    /// <summary>The issue was deleted or merged away.</summary>
    public void Forget(long issueId) => MarkBeadCleared(issueId);

    public int TrackedIssueCount { get { lock (_gate) return _issues.Count; } }

    internal int RecentCount(long issueId)
    {
        lock (_gate) return _issues.TryGetValue(issueId, out var s) ? s.Recent.Count : 0;
    }

    Detection? Evaluate(long issueId, IssueState state, DateTime now)
    {
        if (state.Pending) return null;
        if (state.RetryNotBefore is { } notBefore && now < notBefore) return null;
        var t = ThresholdsForLocked(state.ProjectId);
        Prune(state, t, now);

        Detection? found = null;
        if (state.FatalEvents >= t.FatalCount)
            found = new Detection(issueId, state.ProjectId, DetectionReason.Fatal,
                state.FatalEvents == 1 ? "fatal event" : $"{state.FatalEvents} fatal events");
        else if (state.Recent.Count >= t.BurstCount)
            found = new Detection(issueId, state.ProjectId, DetectionReason.Burst,
                $"{state.Recent.Count} error/fatal events within {Format(t.BurstWindow)}");
        else if (state.FirstErrorAt is { } first && now - first > t.SlowBurnAfter)
            found = new Detection(issueId, state.ProjectId, DetectionReason.SlowBurn,
                $"error issue without a bead for {Format(now - first)} (first error {first:yyyy-MM-dd HH:mm:ss}Z)");

        if (found is not null)
        {
            state.Pending = true;
            state.RetryNotBefore = null;
        }
        return found;
    }

    void Record(IssueState state, DateTime ts, bool fatal, DateTime now)
    {
        if (fatal) state.FatalEvents++;
        if (state.FirstErrorAt is null || ts < state.FirstErrorAt) state.FirstErrorAt = ts;

        var t = ThresholdsForLocked(state.ProjectId);
        if (ts <= now - t.BurstWindow) return; // too old to matter for a burst
        var at = state.Recent.BinarySearch(ts);
        state.Recent.Insert(at < 0 ? ~at : at, ts);
        Prune(state, t, now);
    }

    static void Prune(IssueState state, DetectionThresholds t, DateTime now)
    {
        var cutoff = now - t.BurstWindow;
        var stale = 0;
        while (stale < state.Recent.Count && state.Recent[stale] <= cutoff) stale++;
        // Only the newest BurstCount matter: if they fit in the window the burst is on, older ones add nothing.
        var excess = Math.Max(0, state.Recent.Count - stale - t.BurstCount);
        state.Recent.RemoveRange(0, stale + excess);
    }

    IssueState GetOrAdd(long issueId, long projectId)
    {
        if (!_issues.TryGetValue(issueId, out var state)) _issues[issueId] = state = new IssueState();
        state.ProjectId = projectId;
        return state;
    }

    DetectionThresholds ThresholdsForLocked(long projectId) =>
        _thresholds.GetValueOrDefault(projectId) ?? DetectionThresholds.Default;

    DateTime Now() => time.GetUtcNow().UtcDateTime;

    static DateTime Utc(DateTime ts, DateTime now)
    {
        var utc = ts.Kind switch
        {
            DateTimeKind.Local => ts.ToUniversalTime(),
            DateTimeKind.Unspecified => DateTime.SpecifyKind(ts, DateTimeKind.Utc), // storage hands back UTC without a kind
            _ => ts,
        };
        return utc > now ? now : utc;
    }

    // Python's logging "critical" arrives as fatal from most SDKs; accept the spelling anyway.
    static bool IsFatal(string? level) =>
        string.Equals(level, "fatal", StringComparison.OrdinalIgnoreCase) || string.Equals(level, "critical", StringComparison.OrdinalIgnoreCase);

    static bool IsError(string? level) => string.Equals(level, "error", StringComparison.OrdinalIgnoreCase);

    static string Format(TimeSpan span) =>
        span.TotalHours >= 1 ? $"{(int)span.TotalHours}h {span.Minutes}m"
        : span.TotalMinutes >= 1 ? (span.Seconds == 0 ? $"{(int)span.TotalMinutes}m" : $"{(int)span.TotalMinutes}m {span.Seconds}s")
        : $"{span.Seconds}s";
}
