namespace Faultline.Core.Issues;

public sealed record Project
{
    public long Id { get; init; }
    public string Name { get; init; } = "";
    public string PublicKey { get; init; } = "";
    public string? Rig { get; init; }
    public string? Platform { get; init; }
    public string? Description { get; init; }
    public string? ServiceUrl { get; init; }
    public bool ServiceUrlByAdmin { get; init; }
    public string? DeploymentType { get; init; }
    public string? Components { get; init; }
    public string? Environments { get; init; }
    public int? HeartbeatIntervalSecs { get; init; }
    /// <summary>The loop's detection thresholds as set in the dashboard (<c>burst=5/10m,fatal=2,slow_burn=2h</c>), or null for the defaults.</summary>
    public string? DetectionThresholds { get; init; }
    public DateTime? LastHeartbeatAt { get; init; }
    public DateTime CreatedAt { get; init; }
}

public sealed record Issue
{
    public long Id { get; init; }
    public long ProjectId { get; init; }
    public string Title { get; init; } = "";
    public string Type { get; init; } = "";
    public string Value { get; init; } = "";
    public string Culprit { get; init; } = "";
    public string Level { get; init; } = "error";
    public string Platform { get; init; } = "other";
    public string Status { get; init; } = IssueStatus.Active;
    public string Severity { get; init; } = Issues.Severity.Tremor;
    public long EventCount { get; init; }
    public DateTime FirstSeen { get; init; }
    public DateTime LastSeen { get; init; }
    public IReadOnlyList<string> Environments { get; init; } = [];
    public string? FirstRelease { get; init; }
    public string? LastRelease { get; init; }
    public string Fingerprint { get; init; } = "";
    public bool Unhandled { get; init; }
    public string? BeadId { get; init; }
    public int RegressionCount { get; init; }
    public DateTime? ResolvedAt { get; init; }
}

public sealed record StoredEvent
{
    public long Id { get; init; }
    public long ProjectId { get; init; }
    public long IssueId { get; init; }
    public string EventId { get; init; } = "";
    public DateTime Timestamp { get; init; }
    public DateTime ReceivedAt { get; init; }
    public string Level { get; init; } = "";
    public string? Environment { get; init; }
    public string? Release { get; init; }
    /// <summary>Canonical normalized event JSON.</summary>
    public string Data { get; init; } = "{}";
    /// <summary>The payload as received (after PII scrubbing when enabled).</summary>
    public byte[] Payload { get; init; } = [];
}

public sealed record LifecycleEntry(long Id, long ProjectId, long IssueId, string Kind, string Detail, DateTime CreatedAt);

public sealed record TagCount(string Key, string Value, long Count);
