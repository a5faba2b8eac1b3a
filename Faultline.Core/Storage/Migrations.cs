namespace Faultline.Core.Storage;

/// <summary>
/// Versioned schema, written once for every backend with dialect fragments. A migration's
/// statements run in order; the version is recorded in schema_migrations. Never edit a
/// released migration: add a new one.
/// </summary>
public static partial class Migrations
{
    public sealed record Migration(int Version, string Name, Func<SqlDialect, string[]> Statements);

    public static IReadOnlyList<Migration> All { get; } =
    [
        new(1, "core schema", Core),
        new(2, "ops: uptime checks and ops events", Ops.OpsSchema.Statements),
        new(3, "issue history, fingerprint lookup", IssueHistory),
        new(4, "accounts", Accounts),
        new(5, "per-project detection thresholds", d => [$"ALTER TABLE projects ADD detection_thresholds {d.Varchar(500)} NULL"]),
        new(LoopMigration.Version, "gas town loop", LoopMigration.Statements),
    ];

    /// <summary>
    /// Dashboard users (local and OIDC) and the one-row setup lock. email_norm is the
    /// lower-cased address (unique); external_subject is "issuer|sub" for OIDC users (unique).
    /// security_stamp changes whenever a session must stop working (disable, role change).
    /// setup_lock has a fixed primary key 1: the first-run wizard inserts that row in the same
    /// transaction as the first administrator, so two concurrent setups produce one admin.
    /// </summary>
    private static string[] Accounts(SqlDialect d)
    {
        string T(string name, string cols) => $"CREATE TABLE {name} ({cols}){d.TableOptions}";
        return
        [
            T("users", $"""
                id {d.IdentityColumn},
                email {d.Varchar(320)} NOT NULL,
                email_norm {d.Varchar(320)} NOT NULL,
                display_name {d.Varchar(200)} NULL,
                password_hash {d.Varchar(512)} NULL,
                role {d.Varchar(16)} NOT NULL,
                disabled INTEGER NOT NULL DEFAULT 0,
                created_at BIGINT NOT NULL,
                last_login_at BIGINT NULL,
                failed_count INTEGER NOT NULL DEFAULT 0,
                locked_until BIGINT NULL,
                external_subject {d.Varchar(400)} NULL,
                security_stamp {d.Varchar(64)} NOT NULL
                """),
            "CREATE UNIQUE INDEX ux_users_email ON users (email_norm)",
            "CREATE UNIQUE INDEX ux_users_external ON users (external_subject)",
            T("setup_lock", """
                id INTEGER NOT NULL PRIMARY KEY,
                completed_at BIGINT NOT NULL
                """),
        ];
    }

    private static string[] Core(SqlDialect d)
    {
        string T(string name, string cols) => $"CREATE TABLE {name} ({cols}){d.TableOptions}";
        var k = d.Varchar(64);
        return
        [
            T("projects", $"""
                id BIGINT NOT NULL PRIMARY KEY,
                name {d.Varchar(200)} NOT NULL,
                public_key {k} NOT NULL,
                rig {d.Varchar(200)} NULL,
                platform {d.Varchar(64)} NULL,
                description {d.LongText} NULL,
                service_url {d.Varchar(2000)} NULL,
                service_url_by_admin INTEGER NOT NULL DEFAULT 0,
                deployment_type {d.Varchar(32)} NULL,
                components {d.LongText} NULL,
                environments {d.LongText} NULL,
                heartbeat_interval_secs INTEGER NULL,
                last_heartbeat_at BIGINT NULL,
                created_at BIGINT NOT NULL
                """),
            $"CREATE UNIQUE INDEX ux_projects_key ON projects (public_key)",
            T("issues", $"""
                id {d.IdentityColumn},
                project_id BIGINT NOT NULL,
                title {d.Varchar(512)} NOT NULL,
                type {d.Varchar(256)} NOT NULL,
                value {d.LongText} NOT NULL,
                culprit {d.Varchar(512)} NOT NULL,
                level {d.Varchar(16)} NOT NULL,
                level_rank INTEGER NOT NULL,
                platform {d.Varchar(64)} NOT NULL,
                status {d.Varchar(16)} NOT NULL,
                severity {d.Varchar(16)} NOT NULL,
                event_count BIGINT NOT NULL,
                first_seen BIGINT NOT NULL,
                last_seen BIGINT NOT NULL,
                first_release {d.Varchar(200)} NULL,
                last_release {d.Varchar(200)} NULL,
                fingerprint {k} NOT NULL,
                unhandled INTEGER NOT NULL DEFAULT 0,
                bead_id {d.Varchar(128)} NULL,
                regression_count INTEGER NOT NULL DEFAULT 0,
                resolved_at BIGINT NULL
                """),
            d.CreateIndex("ix_issues_project_status_last", "issues", "project_id, status, last_seen"),
            d.CreateIndex("ix_issues_project_last", "issues", "project_id, last_seen"),
            T("issue_hashes", $"""
                project_id BIGINT NOT NULL,
                hash {k} NOT NULL,
                version {d.Varchar(8)} NOT NULL,
                issue_id BIGINT NOT NULL,
                PRIMARY KEY (project_id, hash)
                """),
            d.CreateIndex("ix_issue_hashes_issue", "issue_hashes", "issue_id"),
            T("issue_environments", $"""
                issue_id BIGINT NOT NULL,
                environment {d.Varchar(200)} NOT NULL,
                PRIMARY KEY (issue_id, environment)
                """),
            T("issue_tags", $"""
                issue_id BIGINT NOT NULL,
                tag_key {d.Varchar(200)} NOT NULL,
                tag_value {d.Varchar(200)} NOT NULL,
                count BIGINT NOT NULL,
                PRIMARY KEY (issue_id, tag_key, tag_value)
                """),
            T("events", $"""
                id {d.IdentityColumn},
                project_id BIGINT NOT NULL,
                issue_id BIGINT NOT NULL,
                event_id {d.Varchar(32)} NOT NULL,
                timestamp BIGINT NOT NULL,
                received_at BIGINT NOT NULL,
                level {d.Varchar(16)} NOT NULL,
                environment {d.Varchar(200)} NULL,
                release_name {d.Varchar(200)} NULL,
                data {d.LongText} NOT NULL,
                payload {d.LongBlob} NOT NULL
                """),
            "CREATE UNIQUE INDEX ux_events_project_event ON events (project_id, event_id)",
            d.CreateIndex("ix_events_issue_time", "events", "issue_id, timestamp"),
            d.CreateIndex("ix_events_received", "events", "received_at"),
            T("issue_hourly", """
                issue_id BIGINT NOT NULL,
                hour BIGINT NOT NULL,
                count BIGINT NOT NULL,
                PRIMARY KEY (issue_id, hour)
                """),
            T("project_hourly", """
                project_id BIGINT NOT NULL,
                hour BIGINT NOT NULL,
                count BIGINT NOT NULL,
                PRIMARY KEY (project_id, hour)
                """),
            T("lifecycle", $"""
                id {d.IdentityColumn},
                project_id BIGINT NOT NULL,
                issue_id BIGINT NOT NULL,
                kind {d.Varchar(32)} NOT NULL,
                detail {d.LongText} NOT NULL,
                created_at BIGINT NOT NULL
                """),
            d.CreateIndex("ix_lifecycle_issue", "lifecycle", "issue_id, created_at"),
            T("tokens", $"""
                id {d.IdentityColumn},
                name {d.Varchar(200)} NOT NULL,
                prefix {d.Varchar(16)} NOT NULL,
                token_hash {k} NOT NULL,
                project_id BIGINT NULL,
                scope {d.Varchar(16)} NOT NULL,
                created_at BIGINT NOT NULL,
                last_used_at BIGINT NULL,
                revoked_at BIGINT NULL
                """),
            "CREATE UNIQUE INDEX ux_tokens_hash ON tokens (token_hash)",
            T("heartbeats", $"""
                id {d.IdentityColumn},
                project_id BIGINT NOT NULL,
                at BIGINT NOT NULL
                """),
            d.CreateIndex("ix_heartbeats_project_at", "heartbeats", "project_id, at"),
            T("batches", $"""
                id {d.IdentityColumn},
                committed_at BIGINT NOT NULL,
                event_count INTEGER NOT NULL,
                issue_count INTEGER NOT NULL
                """),
        ];
    }
}
