namespace Faultline.Core.Ingest;

/// <summary>Size caps, defaulting to Sentry's published limits.</summary>
public sealed record IngestLimits
{
    /// <summary>Maximum body size as sent on the wire (compressed).</summary>
    public long MaxCompressedBytes { get; init; } = 20L * 1024 * 1024;
    /// <summary>Maximum envelope size after decompression.</summary>
    public long MaxDecompressedBytes { get; init; } = 200L * 1024 * 1024;
    /// <summary>Maximum size of a single event item / store body.</summary>
    public long MaxEventBytes { get; init; } = 1L * 1024 * 1024;

    public static IngestLimits Default { get; } = new();
}
