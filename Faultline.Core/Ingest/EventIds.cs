namespace Faultline.Core.Ingest;

/// <summary>
/// Event id normalisation. Sentry documents 32 lowercase hex, SDKs also send the dashed
/// 36-character UUID form (sentry-native) and upper case (old Cocoa); we store one canonical form.
/// </summary>
public static class EventIds
{
    /// <summary>32 lowercase hex for a 32-hex or dashed 36-char UUID; null for anything else.</summary>
    public static string? TryNormalize(string? raw)
    {
        if (raw is null) return null;
        var s = raw.Trim();
        if (s.Length == 36)
        {
            if (s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-') return null;
            s = s.Replace("-", "", StringComparison.Ordinal);
        }
        if (s.Length != 32) return null;
        foreach (var c in s)
            if (!char.IsAsciiHexDigit(c)) return null;
        return s.ToLowerInvariant();
    }

    public static string NewId() => Guid.NewGuid().ToString("N");
}
