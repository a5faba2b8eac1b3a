namespace Faultline.Core.Storage.History;

/// <summary>
/// An issue's tracked state at one point of its history. <see cref="CommitId"/> is the batch id on every
/// backend, or a Dolt commit hash when the snapshot was read from Dolt's own history.
/// </summary>
public sealed record IssueSnapshot
{
    public long IssueId { get; init; }
    public long ProjectId { get; init; }
    public string CommitId { get; init; } = "";
    public long? BatchId { get; init; }
    public DateTime At { get; init; }
    public string Status { get; init; } = "";
    public string Level { get; init; } = "";
    public string Severity { get; init; } = "";
    public long EventCount { get; init; }
    public DateTime LastSeen { get; init; }
    public string? BeadId { get; init; }
    /// <summary>What caused the snapshot: events, status, bead, backfill (empty for Dolt commits).</summary>
    public string Reason { get; init; } = "";
}

/// <summary>One commit that touched an issue, in the shape of Dolt's log (also produced from the batch log).</summary>
public sealed record IssueLogEntry(string CommitHash, string Committer, string? Email, DateTime Date, string Message, string DiffType);

/// <summary>Where an issue log came from: Dolt's commit graph or Faultline's own batches table.</summary>
public static class IssueLogSource
{
    public const string Dolt = "dolt";
    public const string BatchLog = "batch_log";
}
