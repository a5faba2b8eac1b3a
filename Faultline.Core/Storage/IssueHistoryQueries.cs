using System.Data.Common;
using Dapper;
using Faultline.Core.Storage.History;

namespace Faultline.Core.Storage;

/// <summary>Reads of issue_history and the batch log; identical on every backend (Dolt adds its own log on top).</summary>
public sealed partial class FaultlineStore
{
    private const string SnapshotColumns = "issue_id, project_id, batch_id, at, status, level, severity, event_count, last_seen, bead_id, reason";

    /// <summary>Every snapshot of the issue, oldest first. Kept after retention deleted the issue itself.</summary>
    public Task<IReadOnlyList<IssueSnapshot>> ListIssueHistoryAsync(long projectId, long issueId) => With<IReadOnlyList<IssueSnapshot>>(async c =>
        (await c.QueryAsync<SnapshotRow>(
            $"SELECT {SnapshotColumns} FROM issue_history WHERE issue_id = @issueId AND project_id = @projectId ORDER BY batch_id, id",
            new { issueId, projectId })).Select(r => r.ToModel()).ToList());

    /// <summary>The newest snapshot at or before <paramref name="at"/>; null when the issue did not exist yet.</summary>
    public Task<IssueSnapshot?> IssueAsOfTimeAsync(long projectId, long issueId, DateTime at) => With(async c =>
        (await c.QueryFirstOrDefaultAsync<SnapshotRow>(
            $"SELECT {SnapshotColumns} FROM issue_history WHERE issue_id = @issueId AND project_id = @projectId AND at <= @at " +
            "ORDER BY at DESC, batch_id DESC, id DESC LIMIT 1",
            new { issueId, projectId, at = Database.Ms(at) }))?.ToModel());

    /// <summary>The issue as of batch <paramref name="batchId"/> (its newest snapshot in that batch or before).</summary>
    public Task<IssueSnapshot?> IssueAsOfBatchAsync(long projectId, long issueId, long batchId) => With(async c =>
        (await c.QueryFirstOrDefaultAsync<SnapshotRow>(
            $"SELECT {SnapshotColumns} FROM issue_history WHERE issue_id = @issueId AND project_id = @projectId AND batch_id <= @batchId " +
            "ORDER BY batch_id DESC, id DESC LIMIT 1",
            new { issueId, projectId, batchId }))?.ToModel());

    /// <summary>The oldest snapshot time of the issue (when history of it starts), or null if it has none.</summary>
    public Task<DateTime?> IssueHistoryStartAsync(long projectId, long issueId) => With(async c =>
        await c.ExecuteScalarAsync<long?>("SELECT MIN(at) FROM issue_history WHERE issue_id = @issueId AND project_id = @projectId",
            new { issueId, projectId }) is { } ms ? Database.FromMs(ms) : (DateTime?)null);

    /// <summary>
    /// The batches that touched the issue, newest first, in the shape of Dolt's log: the batch id as commit hash,
    /// "faultline" as committer, a message naming the counts, and added for the first snapshot, modified after.
    /// </summary>
    public Task<IReadOnlyList<IssueLogEntry>> BatchLogForIssueAsync(long projectId, long issueId, int limit) => With<IReadOnlyList<IssueLogEntry>>(async c =>
    {
        var first = await c.ExecuteScalarAsync<long?>("SELECT MIN(id) FROM issue_history WHERE issue_id = @issueId AND project_id = @projectId",
            new { issueId, projectId });
        var rows = await c.QueryAsync<BatchLogRow>(
            "SELECT h.id, h.batch_id, h.at, h.reason, h.status, h.bead_id, b.event_count AS batch_events, b.issue_count AS batch_issues " +
            "FROM issue_history h LEFT JOIN batches b ON b.id = h.batch_id " +
            "WHERE h.issue_id = @issueId AND h.project_id = @projectId ORDER BY h.batch_id DESC, h.id DESC LIMIT @limit",
            new { issueId, projectId, limit = Math.Clamp(limit, 1, 1000) });
        return rows.Select(r => new IssueLogEntry(r.BatchId.ToString(System.Globalization.CultureInfo.InvariantCulture), "faultline", null,
            Database.FromMs(r.At), r.Message(issueId), r.Id == first ? "added" : "modified")).ToList();
    });

    /// <summary>Shared by every status/bead write outside the batch writer: one batch row + snapshots, in <paramref name="tx"/>.</summary>
    internal Task<long> RecordIssueChangeAsync(DbConnection c, DbTransaction tx, long issueId, long nowMs, string reason) =>
        IssueHistory.RecordChangeAsync(c, tx, D, [issueId], nowMs, reason);

    private sealed class SnapshotRow
    {
        public long IssueId { get; set; }
        public long ProjectId { get; set; }
        public long BatchId { get; set; }
        public long At { get; set; }
        public string Status { get; set; } = "";
        public string Level { get; set; } = "";
        public string Severity { get; set; } = "";
        public long EventCount { get; set; }
        public long LastSeen { get; set; }
        public string? BeadId { get; set; }
        public string Reason { get; set; } = "";

        public IssueSnapshot ToModel() => new()
        {
            IssueId = IssueId, ProjectId = ProjectId, CommitId = BatchId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            BatchId = BatchId, At = Database.FromMs(At), Status = Status, Level = Level, Severity = Severity, EventCount = EventCount,
            LastSeen = Database.FromMs(LastSeen), BeadId = BeadId, Reason = Reason,
        };
    }

    private sealed class BatchLogRow
    {
        public long Id { get; set; }
        public long BatchId { get; set; }
        public long At { get; set; }
        public string Reason { get; set; } = "";
        public string Status { get; set; } = "";
        public string? BeadId { get; set; }
        public long? BatchEvents { get; set; }
        public long? BatchIssues { get; set; }

        public string Message(long issueId) => Reason switch
        {
            IssueHistory.ReasonStatus => $"issue {issueId}: status {Status}",
            IssueHistory.ReasonBead => $"issue {issueId}: bead {BeadId ?? "cleared"}",
            IssueHistory.ReasonBackfill => $"issue {issueId}: history starts (backfilled at upgrade)",
            _ => $"batch {BatchId}: {BatchEvents ?? 0} events, {BatchIssues ?? 0} issues",
        };
    }
}
