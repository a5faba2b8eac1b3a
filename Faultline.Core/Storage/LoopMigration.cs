namespace Faultline.Core.Storage;

/// <summary>
/// Schema of the Gas Town loop. Numbered 50 (not 2) so it cannot collide with migrations other
/// work streams add meanwhile; the runner only needs versions to be unique.
/// </summary>
internal static class LoopMigration
{
    public const int Version = 50;

    public static string[] Statements(SqlDialect d)
    {
        string T(string name, string cols) => $"CREATE TABLE {name} ({cols}){d.TableOptions}";
        return
        [
            // One row per issue the loop has touched: where its bead stands, the quiet period (persisted so a
            // restart resumes it), and the retry schedules of filing and dispatch.
            T("issue_loop", $"""
                issue_id BIGINT NOT NULL PRIMARY KEY,
                project_id BIGINT NOT NULL,
                rig {d.Varchar(200)} NULL,
                bead_id {d.Varchar(128)} NULL,
                bead_status {d.Varchar(32)} NULL,
                close_reason {d.LongText} NULL,
                quiet_started_at BIGINT NULL,
                quiet_until BIGINT NULL,
                regressions_beaded INTEGER NOT NULL DEFAULT 0,
                file_attempts INTEGER NOT NULL DEFAULT 0,
                next_file_at BIGINT NULL,
                dispatched_at BIGINT NULL,
                dispatch_attempts INTEGER NOT NULL DEFAULT 0,
                next_dispatch_at BIGINT NULL,
                escalated_for INTEGER NOT NULL DEFAULT 0,
                escalation_id {d.Varchar(128)} NULL,
                last_polled_at BIGINT NULL,
                updated_at BIGINT NOT NULL
                """),
            d.CreateIndex("ix_issue_loop_quiet", "issue_loop", "quiet_until"),
            T("ci_runs", $"""
                id {d.IdentityColumn},
                project_id BIGINT NOT NULL,
                provider {d.Varchar(16)} NOT NULL,
                repository {d.Varchar(200)} NULL,
                run_id BIGINT NOT NULL,
                run_attempt INTEGER NOT NULL,
                name {d.Varchar(200)} NULL,
                conclusion {d.Varchar(32)} NULL,
                head_branch {d.Varchar(255)} NULL,
                head_sha {d.Varchar(64)} NULL,
                html_url {d.Varchar(2000)} NULL,
                event_id {d.Varchar(32)} NULL,
                run_updated_at BIGINT NULL,
                received_at BIGINT NOT NULL
                """),
            "CREATE UNIQUE INDEX ux_ci_runs_run ON ci_runs (project_id, provider, run_id, run_attempt)",
            d.CreateIndex("ix_ci_runs_project_time", "ci_runs", "project_id, received_at"),
            // Webhook deliveries already handled (X-GitHub-Delivery or a body digest): replays change nothing.
            T("webhook_deliveries", $"""
                delivery_key {d.Varchar(200)} NOT NULL PRIMARY KEY,
                source {d.Varchar(32)} NOT NULL,
                received_at BIGINT NOT NULL
                """),
        ];
    }
}
