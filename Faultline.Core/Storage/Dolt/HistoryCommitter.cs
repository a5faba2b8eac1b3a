using Faultline.Core.Config;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Faultline.Core.Storage.Dolt;

/// <summary>
/// On Dolt, turns the working set into a commit every FAULTLINE_COMMIT_INTERVAL_SECS when anything changed:
/// <c>CALL dolt_add('-A')</c> then <c>CALL dolt_commit('-m', ...)</c> with a message naming the counts and
/// issues since the last commit (from the batch log). It runs beside ingest and never blocks it: a failed
/// commit is logged and simply retried on the next tick, its counts carried over. Idle on other backends,
/// which keep history in issue_history only.
/// </summary>
public sealed class HistoryCommitter(Database db, FaultlineStore store, IDoltRepository repo, FaultlineOptions options,
    TimeProvider clock, ILogger<HistoryCommitter> logger) : BackgroundService
{
    public enum TickResult { NothingToCommit, Committed, Failed }

    private long _committedThrough = -1;

    public DateTime? LastCommitAt { get; private set; }
    public string? LastMessage { get; private set; }
    public int ConsecutiveFailures { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!db.IsDolt) return;
        var interval = TimeSpan.FromSeconds(options.Storage.CommitIntervalSecs);
        logger.LogInformation("Dolt history commits every {Seconds} s", options.Storage.CommitIntervalSecs);
        while (!stoppingToken.IsCancellationRequested)
        {
            try { await Task.Delay(interval, clock, stoppingToken); }
            catch (OperationCanceledException) { break; }
            await TickAsync(stoppingToken);
        }
        // A last commit on shutdown so a clean stop leaves nothing uncommitted.
        await TickAsync(CancellationToken.None);
    }

    /// <summary>One round: commit when Dolt reports pending changes. Never throws (except cancellation).</summary>
    public async Task<TickResult> TickAsync(CancellationToken ct)
    {
        try
        {
            // Batches written before this process started are not named (their counts are unknown here).
            if (_committedThrough < 0) _committedThrough = await store.LastBatchIdAsync();
            var summary = await store.SummarizeBatchesAfterAsync(_committedThrough);
            if (await repo.PendingChangesAsync(ct) == 0)
            {
                _committedThrough = summary.LastBatchId;
                return TickResult.NothingToCommit;
            }
            var message = Message(summary);
            try
            {
                await repo.CommitAllAsync(message, ct);
            }
            catch (Exception ex) when (DoltSql.IsNothingToCommit(ex))
            {
                _committedThrough = summary.LastBatchId;
                return TickResult.NothingToCommit;
            }
            _committedThrough = summary.LastBatchId;
            LastCommitAt = clock.GetUtcNow().UtcDateTime;
            LastMessage = message;
            ConsecutiveFailures = 0;
            logger.LogInformation("Dolt commit: {Message}", message);
            return TickResult.Committed;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { throw; }
        catch (Exception ex)
        {
            ConsecutiveFailures++;
            logger.LogWarning("Dolt commit failed ({Failures} in a row), retrying next tick: {Error}", ConsecutiveFailures, ex.Message);
            return TickResult.Failed;
        }
    }

    /// <summary>"faultline: 3 batches, 120 events, 4 issues (#12, #15, #17, #20)".</summary>
    public static string Message(BatchSummary s)
    {
        if (s.Batches == 0) return "faultline: changes outside the batch log (e.g. settings, tokens, or before restart)";
        var names = s.SomeIssueIds.Count == 0 ? "" :
            " (" + string.Join(", ", s.SomeIssueIds.Select(i => "#" + i)) + (s.IssueCount > s.SomeIssueIds.Count ? $", +{s.IssueCount - s.SomeIssueIds.Count} more" : "") + ")";
        return $"faultline: {s.Batches} batches, {s.Events} events, {s.IssueCount} issues{names}";
    }
}
