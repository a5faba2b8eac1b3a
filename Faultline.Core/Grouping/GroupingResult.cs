namespace Faultline.Core.Grouping;

/// <summary>
/// The outcome of grouping one event: the hashes that may identify its issue (first = primary)
/// plus the human-facing summary the issue row keeps.
/// </summary>
public sealed record GroupingResult
{
    /// <summary>Algorithm version tag stored with each hash, e.g. "g1".</summary>
    public required string Version { get; init; }
    /// <summary>Hex SHA-256 hashes; the first is primary. An event joins any issue owning one of them.</summary>
    public required IReadOnlyList<string> Hashes { get; init; }
    /// <summary>The components that produced the primary hash (for debugging/API).</summary>
    public required IReadOnlyList<string> Components { get; init; }
    /// <summary>"Type: first line of value", or the message.</summary>
    public required string Title { get; init; }
    public required string Type { get; init; }
    public required string Value { get; init; }
    /// <summary>Top in-app frame ("module in function"), else transaction.</summary>
    public required string Culprit { get; init; }
}
