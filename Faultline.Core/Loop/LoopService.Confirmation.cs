using Faultline.Core.Issues;
using Faultline.Core.Storage;
using Microsoft.Extensions.Logging;

namespace Faultline.Core.Loop;

/// <summary>
/// Confirming a fix: bead status polling, the quiet period after a close (persisted, so a restart resumes
/// it), resolution, and cancellation when the error comes back or the bead reopens.
/// </summary>
public sealed partial class LoopService
{
    /// <summary>
    /// A bead was reported closed (by the poller or the resolve webhook). Issues waiting on it move to
    /// stabilizing; returns how many did. Repeated notifications change nothing.
    /// </summary>
    public async Task<int> OnBeadResolvedAsync(string beadId, string? closeReason, string source, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            var moved = 0;
            foreach (var (iid, pid) in await _loop.FindIssuesByBeadAsync(beadId))
                if (await BeadClosedAsync(pid, iid, beadId, closeReason, source)) moved++;
            return moved;
        }
        finally { _gate.Release(); }
    }

    async Task<bool> BeadClosedAsync(long pid, long iid, string beadId, string? closeReason, string source)
    {
        var until = Now + _options.QuietPeriod;
        var reason = string.IsNullOrWhiteSpace(closeReason) ? "no close reason given" : closeReason.Trim();
        var detail = $"bead {beadId} closed ({reason}), seen by {source}; quiet period of {Span(_options.QuietPeriod)} until {Iso(until)}";
        if (!await _loop.StartQuietAsync(pid, iid, beadId, closeReason, until, detail)) return false;
        _stabilizing[iid] = 0;
        Publish(pid, iid, $"bead_closed:{beadId}");
        _log.LogInformation("Bead {BeadId} closed; issue {IssueId} stabilizing until {Until}", beadId, iid, until);
        return true;
    }

    /// <summary>Every tick: quiet periods that ended and failed dispatches that are due again.</summary>
    async Task CheckTrackedAsync(CancellationToken ct)
    {
        var now = Database.Ms(Now);
        foreach (var t in await _loop.ListTrackedAsync())
        {
            if (t.Status == IssueStatus.Stabilizing && t.QuietUntil is { } until && until <= now)
                await Guarded("ending a quiet period", () => FinishQuietAsync(t), ct);
            else if (t.Status == IssueStatus.Fixing && t.NextDispatchAt is { } due && due <= now)
                await Guarded("retrying a dispatch", () => RetryDispatchAsync(t, ct), ct);
        }
    }

    async Task FinishQuietAsync(TrackedIssue t)
    {
        // The stored events decide, not only the change stream: it can drop changes under load, and a
        // restart loses what was in flight.
        var recurred = await _loop.CountEventsAfterAsync(t.IssueId, t.QuietStartedAt ?? t.QuietUntil!.Value);
        if (recurred > 0)
        {
            await CancelQuietAsync(t.ProjectId, t.IssueId, IssueStatus.Active,
                $"{recurred} event(s) arrived during the quiet period after bead {t.BeadId} closed; the fix did not hold. " +
                "Back to active: a new bead is filed when the detection thresholds are crossed again");
            return;
        }
        var reason = t.CloseReason ?? "no close reason given";
        if (!await _loop.EndQuietAsync(t.ProjectId, t.IssueId, IssueStatus.Resolved, "resolved",
                $"no events for {Span(_options.QuietPeriod)} after bead {t.BeadId} closed ({reason})"))
            return;
        _stabilizing.TryRemove(t.IssueId, out _);
        _tracker.MarkBeadCleared(t.IssueId);
        Publish(t.ProjectId, t.IssueId, IssueStatus.Resolved);
        _log.LogInformation("Issue {IssueId} resolved after its quiet period (bead {BeadId})", t.IssueId, t.BeadId);
    }

    async Task CancelQuietOnEventAsync(CancelQuietWork work, CancellationToken ct)
    {
        var row = await _loop.GetAsync(work.IssueId);
        var into = row?.QuietStartedAt is { } started ? $" {Span(Now - Database.FromMs(started))} into the quiet period" : " during the quiet period";
        var cancelled = await CancelQuietAsync(work.ProjectId, work.IssueId, IssueStatus.Active,
            $"event {work.EventId ?? "(unknown)"} ({work.Level ?? "unknown level"}) arrived{into} after bead {row?.BeadId ?? "(unknown)"} " +
            $"closed ({row?.CloseReason ?? "no close reason given"}); the fix did not hold. " +
            "Back to active: a new bead is filed when the detection thresholds are crossed again");
        if (!cancelled) return;
        // The event that broke the quiet counts towards the next detection (a fatal one files at once).
        if (_tracker.Observe(work.IssueId, work.ProjectId, Now, work.Level) is { } detection)
            await FileAsync(new FileWork(work.ProjectId, work.IssueId, detection), ct);
    }

    async Task<bool> CancelQuietAsync(long pid, long iid, string toStatus, string detail)
    {
        if (!await _loop.EndQuietAsync(pid, iid, toStatus, "resolution_cancelled", detail)) return false;
        _stabilizing.TryRemove(iid, out _);
        if (toStatus == IssueStatus.Active) _tracker.MarkBeadCleared(iid);
        else _tracker.MarkBeadOpen(iid, pid);
        Publish(pid, iid, "resolution_cancelled");
        return true;
    }

    /// <summary>
    /// One <c>bd show</c> batch per rig for every issue with an open cycle (contract §7.4). A failing bd is
    /// logged once per distinct error and changes nothing: a missing answer is not a status.
    /// </summary>
    async Task PollAsync(CancellationToken ct)
    {
        var tracked = await _loop.ListTrackedAsync();
        foreach (var group in tracked.Where(t => RigOf(t.ProjectId) is not null).GroupBy(t => RigOf(t.ProjectId)!))
        {
            var rig = group.Key;
            var shown = await _bd.ShowAsync(rig, group.Select(t => t.BeadId).Distinct(), ct);
            if (!shown.Ok)
            {
                if (_lastPollError.GetValueOrDefault(rig) != shown.Error)
                    _log.LogWarning("Polling beads of rig {Rig} failed: {Error}", rig, shown.Error);
                _lastPollError[rig] = shown.Error!;
                continue;
            }
            _lastPollError.TryRemove(rig, out _);

            var byId = shown.Beads.ToDictionary(b => b.Id, StringComparer.Ordinal);
            foreach (var t in group)
            {
                if (byId.TryGetValue(t.BeadId, out var bead))
                    await Guarded("applying a bead status", () => ApplyBeadStatusAsync(t, bead), ct);
                else if (shown.NotFound.Contains(t.BeadId) && t.BeadStatus != "missing")
                {
                    await _loop.SetBeadStatusAsync(t.IssueId, "missing");
                    await Timeline(t.ProjectId, t.IssueId, "error",
                        $"bead {t.BeadId} was not found in rig {rig} (deleted?); link another bead with assign-bead");
                }
            }
        }
    }

    async Task ApplyBeadStatusAsync(TrackedIssue t, BeadStatus bead)
    {
        if (t.BeadStatus != bead.Status) await _loop.SetBeadStatusAsync(t.IssueId, bead.Status);
        if (t.Status == IssueStatus.Fixing && bead.IsTerminal)
        {
            var reason = bead.CloseReason ?? (bead.Status == "tombstone" ? "deleted (tombstone)" : null);
            await BeadClosedAsync(t.ProjectId, t.IssueId, bead.Id, reason, "bead poll");
        }
        else if (t.Status == IssueStatus.Stabilizing && !bead.IsTerminal)
        {
            await CancelQuietAsync(t.ProjectId, t.IssueId, IssueStatus.Fixing,
                $"bead {bead.Id} is {bead.Status} again (reopened during the quiet period); back to fixing");
        }
    }
}
