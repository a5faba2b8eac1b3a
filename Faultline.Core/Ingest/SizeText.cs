namespace Faultline.Core.Ingest;

/// <summary>Formats byte limits for error messages ("20 MB", "64 KB").</summary>
/// <remarks>Why: SDK users read these in their logs; "20971520 bytes" is harder to act on.</remarks>
internal static class SizeText
{
    public static string Of(long bytes) =>
        bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0 ? $"{bytes / (1024 * 1024)} MB"
        : bytes >= 1024 && bytes % 1024 == 0 ? $"{bytes / 1024} KB"
        : $"{bytes} bytes";
}
