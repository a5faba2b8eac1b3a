using System.Data.Common;
using Dapper;

namespace Faultline.Core.Storage.History;

/// <summary>
/// Writes issue_history snapshots: the issue's tracked state copied from the issues row inside the same
/// transaction that changed it, so history can never disagree with what was committed. Used by the batch
/// writer (through <see cref="IssueHistoryObserver"/>) and by every write outside a batch (status, bead).
/// </summary>
public static class IssueHistory
{
    public const string ReasonEvents = "events";
    public const string ReasonStatus = "status";
    public const string ReasonBead = "bead";
    public const string ReasonBackfill = "backfill";

    private const string SnapshotSql =
        "INSERT INTO issue_history (issue_id, project_id, batch_id, at, status, level, severity, event_count, last_seen, bead_id, reason) " +
        "SELECT id, project_id, @batchId, @now, status, level, severity, event_count, last_seen, bead_id, @reason FROM issues WHERE id IN @ids";

    // Bounded IN lists: a batch can touch thousands of issues.
    private const int Chunk = 500;

    /// <summary>Snapshots <paramref name="issueIds"/> as of <paramref name="batchId"/> (synchronous: the batch writer's thread).</summary>
    public static void Snapshot(DbConnection conn, DbTransaction tx, long batchId, IReadOnlyCollection<long> issueIds, long nowMs, string reason)
    {
        foreach (var ids in issueIds.Chunk(Chunk))
            conn.Execute(SnapshotSql, new { batchId, now = nowMs, reason, ids }, tx);
    }

    /// <summary>
    /// For a change made outside the batch writer: records a batches row of its own (no events) so the change
    /// has a commit id like any other, then snapshots the issues. Call inside the transaction of the change.
    /// </summary>
    public static async Task<long> RecordChangeAsync(DbConnection conn, DbTransaction tx, SqlDialect d,
        IReadOnlyCollection<long> issueIds, long nowMs, string reason)
    {
        await conn.ExecuteAsync("INSERT INTO batches (committed_at, event_count, issue_count) VALUES (@now, 0, @n)",
            new { now = nowMs, n = issueIds.Count }, tx);
        var batchId = await conn.ExecuteScalarAsync<long>(d.LastInsertId, transaction: tx);
        foreach (var ids in issueIds.Chunk(Chunk))
            await conn.ExecuteAsync(SnapshotSql, new { batchId, now = nowMs, reason, ids }, tx);
        return batchId;
    }
}

/// <summary>Snapshots every issue a batch touched, inside the batch transaction.</summary>
public sealed class IssueHistoryObserver : IBatchObserver
{
    public void OnBatch(DbConnection conn, DbTransaction tx, long batchId, IReadOnlyList<long> touchedIssueIds, long nowMs)
    {
        if (touchedIssueIds.Count > 0)
            IssueHistory.Snapshot(conn, tx, batchId, touchedIssueIds, nowMs, IssueHistory.ReasonEvents);
    }
}
