namespace Faultline.Core.Loop;

/// <summary>
/// What to file. The command line, labels and priority are derived from it by <see cref="BdClient"/>;
/// fields are raw values (event-supplied text is sanitised when the arguments are built).
/// </summary>
public sealed record BeadRequest
{
    public required string Title { get; init; }
    /// <summary>Markdown body; sent on stdin, never on the command line (it can be large).</summary>
    public required string Description { get; init; }
    /// <summary>0 = highest … 4; see <see cref="BeadPriority"/>.</summary>
    public int Priority { get; init; } = 2;
    /// <summary>Label suffix for <c>error:&lt;kind&gt;</c>, e.g. "unhandled" or "handled".</summary>
    public string ErrorKind { get; init; } = "unhandled";
    /// <summary>SDK platform, becomes <c>platform:&lt;platform&gt;</c>.</summary>
    public string? Platform { get; init; }
    public bool IsRegression { get; init; }
    /// <summary>Adds the <c>critical</c> label (fatal events).</summary>
    public bool IsCritical { get; init; }
    public string? Environment { get; init; }
    /// <summary>For a regression: the previous bead, linked with a non-blocking <c>related</c> dependency.</summary>
    public string? RelatedBeadId { get; init; }
    public string? ParentBeadId { get; init; }
    /// <summary>Faultline back-link, stored as external_ref and metadata so the bead can be found again.</summary>
    public long? ProjectId { get; init; }
    public long? IssueId { get; init; }
    public IReadOnlyList<string> ExtraLabels { get; init; } = [];
}

/// <summary>Contract §5.4: fatal → 0; burst → 1; slow burn → 2; regression → 1, repeat regression → 0.</summary>
public static class BeadPriority
{
    public static int For(DetectionReason reason) => reason switch
    {
        DetectionReason.Fatal => 0,
        DetectionReason.Burst => 1,
        _ => 2,
    };

    /// <param name="regressionNumber">1 for the first regression of an issue, 2 for the second, …</param>
    public static int ForRegression(int regressionNumber) => regressionNumber >= 2 ? 0 : 1;
}

/// <summary>A bead as read back from <c>bd show --json</c>: only what the loop decides on.</summary>
public sealed record BeadStatus(string Id, string Status, string? CloseReason, DateTimeOffset? ClosedAt,
    DateTimeOffset? UpdatedAt, string? Assignee = null)
{
    public bool IsClosed => Status == "closed";
    /// <summary>Terminal for the loop: closed, or the legacy deleted marker Gas Town still recognises.</summary>
    public bool IsTerminal => Status is "closed" or "tombstone";
}

public sealed record BdCreateResult(string? BeadId, string? Error)
{
    public bool Ok => BeadId is not null;
}

/// <summary>
/// Found beads, ids bd did not find (deleted beads: terminal-but-unknown, alert), and a failure of the
/// call itself (bd missing, timeout, garbage output) in which case nothing can be concluded about any id.
/// </summary>
public sealed record BdShowResult(IReadOnlyList<BeadStatus> Beads, IReadOnlyList<string> NotFound, string? Error)
{
    public bool Ok => Error is null;
}

public enum EscalationSeverity { Low, Medium, High, Critical }

public sealed record EscalationRequest
{
    /// <summary>Short one-line description (becomes the escalation bead title).</summary>
    public required string Summary { get; init; }
    public required string Reason { get; init; }
    public EscalationSeverity Severity { get; init; } = EscalationSeverity.High;
    public string? RelatedBeadId { get; init; }
}

public sealed record EscalationResult(bool Ok, string? EscalationId, string? DeliveryStatus, string? Error);

public sealed record SlingResult(bool Ok, int ExitCode, string Output, string? Error);
