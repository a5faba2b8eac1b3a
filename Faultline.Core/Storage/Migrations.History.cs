namespace Faultline.Core.Storage;

public static partial class Migrations
{
    /// <summary>
    /// issue_history: one snapshot of an issue's tracked state per batch (or status change) that touched it,
    /// so every backend can answer "what did this issue look like then". Existing issues get one backfilled
    /// snapshot (batch 0) of their current state, dated at their last activity: history starts there.
    /// </summary>
    private static string[] IssueHistory(SqlDialect d) =>
    [
        $"""
        CREATE TABLE issue_history (
            id {d.IdentityColumn},
            issue_id BIGINT NOT NULL,
            project_id BIGINT NOT NULL,
            batch_id BIGINT NOT NULL,
            at BIGINT NOT NULL,
            status {d.Varchar(16)} NOT NULL,
            level {d.Varchar(16)} NOT NULL,
            severity {d.Varchar(16)} NOT NULL,
            event_count BIGINT NOT NULL,
            last_seen BIGINT NOT NULL,
            bead_id {d.Varchar(128)} NULL,
            reason {d.Varchar(16)} NOT NULL
        ){d.TableOptions}
        """,
        d.CreateIndex("ix_issue_history_issue", "issue_history", "issue_id, batch_id"),
        d.CreateIndex("ix_issue_history_batch", "issue_history", "batch_id"),
        // "Lookups by fingerprint" (dashboard links, bead sync); events by event_id and issue+time exist since v1.
        d.CreateIndex("ix_issues_project_fingerprint", "issues", "project_id, fingerprint"),
        "INSERT INTO issue_history (issue_id, project_id, batch_id, at, status, level, severity, event_count, last_seen, bead_id, reason) " +
        $"SELECT id, project_id, 0, {d.Greatest("last_seen", "COALESCE(resolved_at, 0)")}, status, level, severity, event_count, last_seen, bead_id, 'backfill' FROM issues",
    ];
}
