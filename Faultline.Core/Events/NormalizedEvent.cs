using System.Text.Json.Nodes;

namespace Faultline.Core.Events;

/// <summary>
/// An error event after normalization: the loose Sentry JSON folded into one canonical shape.
/// <see cref="Data"/> is the canonical JSON (what the API serves as the event); the typed
/// properties are the parts grouping, storage and the dashboard need without re-parsing.
/// </summary>
public sealed class NormalizedEvent
{
    /// <summary>32 lowercase hex characters.</summary>
    public required string EventId { get; init; }
    /// <summary>UTC; clamped to <see cref="ReceivedAt"/> when absurd.</summary>
    public required DateTime Timestamp { get; init; }
    public required DateTime ReceivedAt { get; init; }
    /// <summary>fatal | error | warning | info | debug</summary>
    public string Level { get; init; } = "error";
    public string Platform { get; init; } = "other";
    public string? Environment { get; init; }
    public string? Release { get; init; }
    public string? Transaction { get; init; }
    public string? Logger { get; init; }
    public string? ServerName { get; init; }
    /// <summary>Formatted message (logentry.formatted or message).</summary>
    public string? Message { get; init; }
    /// <summary>Un-interpolated template (logentry.message) when the SDK sent one.</summary>
    public string? MessageTemplate { get; init; }
    /// <summary>Oldest to newest: the last one is the main exception.</summary>
    public IReadOnlyList<ExceptionInfo> Exceptions { get; init; } = [];
    public IReadOnlyList<ThreadInfo> Threads { get; init; } = [];
    public IReadOnlyList<KeyValuePair<string, string>> Tags { get; init; } = [];
    /// <summary>SDK-provided fingerprint, coerced to strings; null when absent or empty.</summary>
    public IReadOnlyList<string>? Fingerprint { get; init; }
    /// <summary>True when any exception's mechanism says handled:false.</summary>
    public bool Unhandled { get; init; }
    /// <summary>The canonical event JSON (exception/threads/breadcrumbs as {values}, tags as object, ...).</summary>
    public required JsonObject Data { get; init; }

    public ExceptionInfo? MainException => Exceptions.Count > 0 ? Exceptions[^1] : null;
}

public sealed record ExceptionInfo
{
    public string? Type { get; init; }
    public string? Value { get; init; }
    public string? Module { get; init; }
    public long? ThreadId { get; init; }
    public string? MechanismType { get; init; }
    public bool? Handled { get; init; }
    public bool Synthetic { get; init; }
    /// <summary>Caller to callee: the last frame is where the error was raised.</summary>
    public IReadOnlyList<FrameInfo> Frames { get; init; } = [];
}

public sealed record ThreadInfo
{
    public string? Id { get; init; }
    public string? Name { get; init; }
    public bool Crashed { get; init; }
    public bool Current { get; init; }
    public IReadOnlyList<FrameInfo> Frames { get; init; } = [];
}

public sealed record FrameInfo
{
    public string? Filename { get; init; }
    public string? AbsPath { get; init; }
    public string? Function { get; init; }
    public string? Module { get; init; }
    public string? Package { get; init; }
    public int? Lineno { get; init; }
    public int? Colno { get; init; }
    public string? ContextLine { get; init; }
    public IReadOnlyList<string> PreContext { get; init; } = [];
    public IReadOnlyList<string> PostContext { get; init; } = [];
    /// <summary>null when the SDK did not say.</summary>
    public bool? InApp { get; init; }
}
