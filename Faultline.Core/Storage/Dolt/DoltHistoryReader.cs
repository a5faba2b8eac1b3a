using Faultline.Core.Storage.History;

namespace Faultline.Core.Storage.Dolt;

/// <summary>Reads an issue's Dolt commit log and its state as of a Dolt commit (<see cref="DoltSql"/> statements).</summary>
public sealed class DoltHistoryReader(Database db)
{
    public async Task<IReadOnlyList<IssueLogEntry>> LogForIssueAsync(long issueId, int limit, CancellationToken ct = default)
    {
        await using var conn = await db.OpenAsync(ct);
        var rows = await DoltCommands.RowsAsync(conn, DoltSql.LogForIssue(issueId, limit), ct);
        return rows.Select(r => new IssueLogEntry(
            Text(r["commit_hash"]), Text(r["committer"]), r["email"] is null ? null : Text(r["email"]),
            AsUtc(r["date"]), Text(r["message"]), Text(r["diff_type"]))).ToList();
    }

    /// <summary>The issue in commit <paramref name="commitHash"/>, or null when it did not exist there.</summary>
    public async Task<IssueSnapshot?> IssueAsOfCommitAsync(long projectId, long issueId, string commitHash, CancellationToken ct = default)
    {
        await using var conn = await db.OpenAsync(ct);
        var rows = await DoltCommands.RowsAsync(conn, DoltSql.IssueAsOf(issueId, commitHash), ct);
        var r = rows.FirstOrDefault();
        if (r is null || Convert.ToInt64(r["project_id"]) != projectId) return null;
        var lastSeen = Database.FromMs(Convert.ToInt64(r["last_seen"]));
        return new IssueSnapshot
        {
            IssueId = issueId, ProjectId = projectId, CommitId = commitHash, BatchId = null, At = lastSeen,
            Status = Text(r["status"]), Level = Text(r["level"]), Severity = Text(r["severity"]),
            EventCount = Convert.ToInt64(r["event_count"]), LastSeen = lastSeen,
            BeadId = r["bead_id"] is null ? null : Text(r["bead_id"]),
        };
    }

    private static string Text(object? v) => v switch
    {
        null => "",
        byte[] b => System.Text.Encoding.UTF8.GetString(b),
        _ => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture) ?? "",
    };

    // MySql.Data returns DATETIME as Kind=Unspecified; Dolt stores commit dates in UTC.
    private static DateTime AsUtc(object? v) => v is DateTime d ? DateTime.SpecifyKind(d, DateTimeKind.Utc) : DateTime.MinValue;
}
