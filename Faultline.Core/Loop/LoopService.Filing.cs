using Microsoft.Extensions.Logging;
using Faultline.Core.Issues;

namespace Faultline.Core.Loop;

/// <summary>Filing beads (detections and regressions) and escalating repeat regressions.</summary>
public sealed partial class LoopService
{
    static readonly string[] FileableStatuses = [IssueStatus.Active];

    async Task FileAsync(FileWork work, CancellationToken ct)
    {
        var (pid, iid) = (work.ProjectId, work.IssueId);
        var issue = await _store.GetIssueAsync(pid, iid);
        var project = _projects.ById(pid);
        if (issue is null || project is null || RigOf(pid) is not { } rig)
        {
            _tracker.Forget(iid);
            return;
        }
        // The stored status decides, not the tracker's memory: it may have changed since the detection.
        if (issue.Status is IssueStatus.Fixing or IssueStatus.Stabilizing) { _tracker.MarkBeadOpen(iid, pid); return; }
        if (issue.Status != IssueStatus.Active) { _tracker.MarkBeadCleared(iid); return; }

        var row = await _loop.GetAsync(iid);
        // BatchWriter already moved a regressed issue to active/aftershock and wrote the `regressed` row;
        // what is missing is its bead. A regression outranks whatever the tracker detected meanwhile.
        FilingReason reason;
        if (issue.RegressionCount > (row?.RegressionsBeaded ?? 0))
            reason = FilingReason.Regression(issue.RegressionCount, issue.BeadId ?? row?.BeadId);
        else if (work.Detection is { } detection)
            reason = FilingReason.From(detection);
        else
            return;

        var attempts = _fileAttempts.GetValueOrDefault(iid);
        if (attempts == 0 && !reason.IsRegression)
            await Timeline(pid, iid, "detection", $"{reason.Name}: {reason.Detail}");

        var sample = (await _store.ListIssueEventsAsync(pid, iid, 1)).FirstOrDefault();
        var releases = (await _loop.ListIssueReleasesAsync(iid)).Select(r => r.Release).ToList();
        var request = BeadContent.Request(issue, project, reason, sample is null ? null : EventDigest.From(sample), releases, _apiUrl);
        var created = await _bd.CreateAsync(rig, request, ct);
        if (!created.Ok)
        {
            attempts++;
            _fileAttempts[iid] = attempts;
            var wait = Backoff(attempts);
            await Timeline(pid, iid, "error", $"bd create in rig {rig} failed (attempt {attempts}; next try in {Span(wait)}): {created.Error}");
            _log.LogWarning("Filing a bead for issue {IssueId} in rig {Rig} failed (attempt {Attempt}): {Error}", iid, rig, attempts, created.Error);
            if (reason.IsRegression) await _loop.SetFileRetryAsync(pid, iid, attempts, Now + wait);
            else _tracker.MarkFilingFailed(iid, wait);
            return;
        }
        _fileAttempts.TryRemove(iid, out _);

        var beadId = created.BeadId!;
        var labels = string.Join(", ", BdClient.Labels(request));
        var detail = reason.IsRegression
            ? $"regression bead {beadId} filed in rig {rig} (priority P{reason.Priority}, labels {labels}, related to {reason.PreviousBeadId ?? "no previous bead"})"
            : $"bead {beadId} filed in rig {rig} ({reason.Name}, priority P{reason.Priority}, labels {labels})";
        if (!await _loop.AttachBeadAsync(pid, iid, rig, beadId, issue.RegressionCount, "bead_filed", detail, FileableStatuses))
        {
            // Someone changed the issue while bd ran (e.g. ignored it). The bead exists; say so rather than lose it.
            await Timeline(pid, iid, "error", $"bead {beadId} was filed but the issue was no longer active; link it with assign-bead if it is still wanted");
            return;
        }
        _tracker.MarkBeadOpen(iid, pid);
        _stabilizing.TryRemove(iid, out _);
        Publish(pid, iid, $"bead_filed:{beadId}");
        _log.LogInformation("Filed bead {BeadId} in rig {Rig} for issue {IssueId} ({Reason})", beadId, rig, iid, reason.Name);

        if (reason.IsRegression && reason.RegressionNumber >= 2 && (row?.EscalatedFor ?? 0) < reason.RegressionNumber)
            await EscalateAsync(issue, beadId, reason.RegressionNumber, ct);
        if (_options.AutoDispatch)
            await DispatchBeadAsync(pid, iid, beadId, rig, previousAttempts: 0, manual: false, ct);
    }

    /// <summary>Regressions whose bead could not be filed yet (bd down, restart in between): retried on the tick.</summary>
    async Task FilePendingRegressionsAsync(CancellationToken ct)
    {
        foreach (var (iid, pid) in await _loop.ListPendingRegressionsAsync())
            if (RigOf(pid) is not null)
                await Guarded("filing a regression bead", () => FileAsync(new FileWork(pid, iid, null), ct), ct);
    }

    /// <summary>Escalations that failed (gt down, mail router down): retried on the tick with the dispatch back-off.</summary>
    async Task RetryEscalationsAsync(CancellationToken ct)
    {
        foreach (var (iid, pid, beadId, regressions) in await _loop.ListPendingEscalationsAsync())
        {
            var (attempts, nextAt) = _escalateAttempts.GetValueOrDefault(iid);
            if (RigOf(pid) is null || attempts >= MaxGtAttempts || Now < nextAt) continue;
            if (await _store.GetIssueAsync(pid, iid) is { } issue)
                await Guarded("escalating a regression", () => EscalateAsync(issue, beadId, (int)regressions, ct), ct);
        }
    }

    /// <summary>Two or more regressions: a human should look (contract §8.1, severity high, related to the new bead).</summary>
    async Task EscalateAsync(Issue issue, string beadId, int regressions, CancellationToken ct)
    {
        var result = await _gt.EscalateAsync(new EscalationRequest
        {
            Summary = $"{issue.Title} regressed {regressions} times",
            Reason = $"Faultline issue {issue.Id} (project {issue.ProjectId}) came back {regressions} times after being resolved. " +
                     $"New bead {beadId}. Context: {BeadContent.ContextUrl(_apiUrl, issue.ProjectId, issue.Id)}",
            Severity = EscalationSeverity.High,
            RelatedBeadId = beadId,
        }, ct);
        if (!result.Ok)
        {
            var attempts = _escalateAttempts.GetValueOrDefault(issue.Id).Attempts + 1;
            var retry = attempts < MaxGtAttempts;
            _escalateAttempts[issue.Id] = (attempts, Now + Backoff(attempts));
            await Timeline(issue.ProjectId, issue.Id, "error", retry
                ? $"gt escalate failed (attempt {attempts}; next try in {Span(Backoff(attempts))}): {result.Error}"
                : $"gt escalate failed (attempt {attempts}; giving up — escalate by hand): {result.Error}");
            _log.LogWarning("Escalating issue {IssueId} failed (attempt {Attempt}): {Error}", issue.Id, attempts, result.Error);
            return;
        }
        _escalateAttempts.TryRemove(issue.Id, out _);
        await _loop.SetEscalatedAsync(issue.Id, regressions, result.EscalationId);
        await Timeline(issue.ProjectId, issue.Id, "escalation",
            $"regression #{regressions}: escalated to Gas Town as {result.EscalationId ?? "(no id returned)"} (severity high, related to {beadId})");
        Publish(issue.ProjectId, issue.Id, $"escalation:{result.EscalationId}");
    }

    /// <summary>
    /// Links an existing bead to an issue (assign-bead): validated with <c>bd show</c> in the project's rig,
    /// then the issue waits on it exactly as on a bead the loop filed.
    /// </summary>
    public async Task<(int Status, string Message)> LinkBeadAsync(long projectId, long issueId, string beadId, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            var issue = await _store.GetIssueAsync(projectId, issueId);
            if (issue is null) return (404, $"issue {issueId} not found in project {projectId}");
            if (RigOf(projectId) is not { } rig) return (422, $"project {projectId} has no rig; set one in FAULTLINE_PROJECTS or the project settings");
            var shown = await _bd.ShowAsync(rig, [beadId], ct);
            if (!shown.Ok) return (502, $"could not check bead {beadId} with bd: {shown.Error}");
            if (shown.Beads.FirstOrDefault(b => b.Id == beadId) is not { } bead) return (422, $"bead {beadId} does not exist in rig {rig}");
            var ok = await _loop.AttachBeadAsync(projectId, issueId, rig, beadId, issue.RegressionCount, "bead_filed",
                $"bead {beadId} ({bead.Status}) linked by hand", IssueStatus.All);
            if (!ok) return (404, $"issue {issueId} not found in project {projectId}");
            await _loop.SetBeadStatusAsync(issueId, bead.Status);
            _tracker.MarkBeadOpen(issueId, projectId);
            _stabilizing.TryRemove(issueId, out _);
            Publish(projectId, issueId, $"bead_filed:{beadId}");
            return (200, $"bead {beadId} linked");
        }
        finally { _gate.Release(); }
    }
}
