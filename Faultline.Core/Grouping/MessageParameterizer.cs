using System.Text.RegularExpressions;

namespace Faultline.Core.Grouping;

/// <summary>
/// Replaces the variable parts of a message (ids, addresses, dates, numbers...) with placeholders.
/// Why: "User 123 not found" and "User 456 not found" are the same bug; grouping on the raw text
/// would open one issue per user. Order matters: specific shapes (URLs, UUIDs, dates) go before
/// the generic number rule that would otherwise chop them into pieces.
/// </summary>
public static partial class MessageParameterizer
{
    public const int MaxLength = 256;

    public static string FirstLine(string? text)
    {
        if (string.IsNullOrEmpty(text)) return "";
        var trimmed = text.TrimStart();
        int nl = trimmed.IndexOfAny(['\n', '\r']);
        return (nl < 0 ? trimmed : trimmed[..nl]).Trim();
    }

    /// <summary>First line of <paramref name="text"/>, parameterised and capped.</summary>
    public static string Parameterize(string? text)
    {
        var s = FirstLine(text);
        if (s.Length == 0) return s;
        if (s.Length > 4 * MaxLength) s = s[..(4 * MaxLength)];
        s = Url().Replace(s, "<url>");
        s = Email().Replace(s, "<email>");
        s = Uuid().Replace(s, "<uuid>");
        s = IsoDate().Replace(s, "<date>");
        s = IPv4().Replace(s, "<ip>");
        s = IPv6().Replace(s, "<ip>");
        s = HexPrefixed().Replace(s, "<hex>");
        s = LongHex().Replace(s, "<hex>");
        s = Number().Replace(s, "<int>");
        return s.Length <= MaxLength ? s : s[..MaxLength];
    }

    [GeneratedRegex(@"\b[a-zA-Z][a-zA-Z0-9+.\-]*://[^\s""'<>]+")]
    private static partial Regex Url();

    [GeneratedRegex(@"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")]
    private static partial Regex Email();

    [GeneratedRegex(@"\b[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}\b")]
    private static partial Regex Uuid();

    [GeneratedRegex(@"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+\-]\d{2}:?\d{2})?)?")]
    private static partial Regex IsoDate();

    [GeneratedRegex(@"\b\d{1,3}(?:\.\d{1,3}){3}\b")]
    private static partial Regex IPv4();

    [GeneratedRegex(@"\b(?:[0-9a-fA-F]{1,4}:){2,7}[0-9a-fA-F]{1,4}\b")]
    private static partial Regex IPv6();

    [GeneratedRegex(@"\b0[xX][0-9a-fA-F]+\b")]
    private static partial Regex HexPrefixed();

    // At least one digit, so plain words made of a-f letters ("deadbeef" aside) survive.
    [GeneratedRegex(@"\b(?=[0-9a-fA-F]*\d)[0-9a-fA-F]{8,}\b")]
    private static partial Regex LongHex();

    [GeneratedRegex(@"-?\d+(?:\.\d+)?")]
    private static partial Regex Number();
}
