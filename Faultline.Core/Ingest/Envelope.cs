using System.Text.Json.Nodes;

namespace Faultline.Core.Ingest;

/// <summary>A parsed envelope: header plus items, payloads still raw bytes (sliced, not copied).</summary>
public sealed class Envelope
{
    public required JsonObject Headers { get; init; }
    public required IReadOnlyList<EnvelopeItem> Items { get; init; }
    /// <summary>Header <c>event_id</c> as 32 lowercase hex; null when absent.</summary>
    public string? EventId { get; init; }
    /// <summary>Header <c>dsn</c> (self-authenticating envelopes: tunnels, Go SDK).</summary>
    public string? Dsn { get; init; }
    /// <summary>Header <c>sent_at</c> in UTC; null when absent or unparsable (used only for clock-drift correction).</summary>
    public DateTime? SentAt { get; init; }
}

public sealed class EnvelopeItem
{
    public required string Type { get; init; }
    public required JsonObject Header { get; init; }
    public required ReadOnlyMemory<byte> Payload { get; init; }
}
