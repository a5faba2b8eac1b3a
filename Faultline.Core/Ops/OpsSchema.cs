using Faultline.Core.Storage;

namespace Faultline.Core.Ops;

/// <summary>Migration 2: the tables of the operations features.</summary>
public static class OpsSchema
{
    public static string[] Statements(SqlDialect d)
    {
        string T(string name, string cols) => $"CREATE TABLE {name} ({cols}){d.TableOptions}";
        return
        [
            // One row per active check of a project's service URL.
            T("uptime_checks", $"""
                id {d.IdentityColumn},
                project_id BIGINT NOT NULL,
                checked_at BIGINT NOT NULL,
                url {d.Varchar(2000)} NOT NULL,
                status_code INTEGER NULL,
                latency_ms INTEGER NULL,
                ok INTEGER NOT NULL,
                error {d.Varchar(500)} NULL
                """),
            d.CreateIndex("ix_uptime_checks_project_at", "uptime_checks", "project_id, checked_at"),
            d.CreateIndex("ix_uptime_checks_at", "uptime_checks", "checked_at"),
            // Project-level lifecycle/notification entries (heartbeat down / recovered, ...).
            T("ops_events", $"""
                id {d.IdentityColumn},
                project_id BIGINT NOT NULL,
                kind {d.Varchar(32)} NOT NULL,
                detail {d.LongText} NOT NULL,
                created_at BIGINT NOT NULL
                """),
            d.CreateIndex("ix_ops_events_project_at", "ops_events", "project_id, created_at"),
        ];
    }
}

/// <summary>Kinds of <c>ops_events</c> rows; also the <c>StoreChange.Kind</c> published for them.</summary>
public static class OpsEventKinds
{
    public const string HeartbeatDown = "heartbeat_down";
    public const string HeartbeatRecovered = "heartbeat_recovered";
}

public sealed record UptimeCheck(long ProjectId, DateTime CheckedAt, string Url, int? StatusCode, int? LatencyMs, bool Ok, string? Error);

/// <summary>Uptime over a window; <see cref="Percent"/> is null when there were no checks ("no data").</summary>
public sealed record UptimeSummary(long ProjectId, long Checks, long Up, DateTime? LastCheckAt)
{
    public double? Percent => Checks == 0 ? null : Math.Round(100.0 * Up / Checks, 2);
    public string Display => Percent is { } p ? $"{p:0.##} %" : "no data";
}

public sealed record OpsEvent(long Id, long ProjectId, string Kind, string Detail, DateTime CreatedAt);
