using Microsoft.Extensions.Logging;
using Faultline.Core.Issues;

namespace Faultline.Core.Loop;

/// <summary>Dispatch with <c>gt sling</c>: after filing, on retry after a failure, and from the dashboard.</summary>
public sealed partial class LoopService
{
    public async Task<DispatchResult> DispatchAsync(long projectId, long issueId, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            var issue = await _store.GetIssueAsync(projectId, issueId);
            if (issue is null) return new DispatchResult(false, $"issue {issueId} not found in project {projectId}");
            if (issue.BeadId is not { } beadId) return new DispatchResult(false, "the issue has no bead to dispatch");
            if (RigOf(projectId) is not { } rig) return new DispatchResult(false, $"project {projectId} has no rig");
            var attempts = (int)((await _loop.GetAsync(issueId))?.DispatchAttempts ?? 0);
            return await DispatchBeadAsync(projectId, issueId, beadId, rig, attempts, manual: true, ct);
        }
        finally { _gate.Release(); }
    }

    /// <summary>
    /// Runs <c>gt sling &lt;bead&gt; &lt;rig&gt;</c> (never --force unless configured). Success is the exit code. An automatic
    /// attempt that fails is scheduled again with back-off; a manual one reports back and leaves the schedule alone.
    /// </summary>
    async Task<DispatchResult> DispatchBeadAsync(long pid, long iid, string beadId, string rig, int previousAttempts, bool manual, CancellationToken ct)
    {
        var result = await _gt.SlingAsync(beadId, rig, ct);
        var who = manual ? "by hand" : "automatically";
        if (result.Ok)
        {
            await _loop.SetDispatchStateAsync(iid, dispatched: true, attempts: 0, nextAt: null);
            var said = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
            await Timeline(pid, iid, "dispatched", $"gt sling {beadId} {rig} ({who}){(said is null ? "" : $": {said}")}");
            Publish(pid, iid, $"dispatched:{beadId}");
            return new DispatchResult(true, said ?? $"bead {beadId} dispatched to rig {rig}");
        }

        var attempts = previousAttempts + 1;
        DateTime? next = null;
        if (!manual && attempts < MaxGtAttempts) next = Now + Backoff(attempts);
        var plan = manual ? "" : next is { } n ? $"; retry at {Iso(n)}" : "; giving up, use Dispatch to try again";
        await _loop.SetDispatchStateAsync(iid, dispatched: false, attempts, manual ? null : next);
        await Timeline(pid, iid, "error", $"gt sling {beadId} {rig} failed ({who}, attempt {attempts}{plan}): {result.Error}");
        _log.LogWarning("Dispatching bead {BeadId} to rig {Rig} failed (attempt {Attempt}): {Error}", beadId, rig, attempts, result.Error);
        return new DispatchResult(false, result.Error ?? "gt sling failed");
    }

    async Task RetryDispatchAsync(TrackedIssue t, CancellationToken ct)
    {
        if (t.Status != IssueStatus.Fixing || RigOf(t.ProjectId) is not { } rig) return;
        await DispatchBeadAsync(t.ProjectId, t.IssueId, t.BeadId, rig, (int)t.DispatchAttempts, manual: false, ct);
    }
}
