using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Faultline.Core.Events;

/// <summary>
/// Event timestamp parsing and Relay-style sanity clamping (SENTRY-PROTOCOL.md §6.3).
/// Why: SDKs send float seconds (JS), ISO with Z (Python/Java), +00:00 (.NET), nanoseconds (Go),
/// zone-less ISO (legacy store sample); device clocks are wrong; and a timestamp years off would
/// put the event outside every dashboard window, so absurd values fall back to the receive time.
/// </summary>
public static partial class EventTimestamp
{
    public static readonly TimeSpan DriftThreshold = TimeSpan.FromMinutes(55);
    public static readonly TimeSpan MaxFuture = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan MaxAge = TimeSpan.FromDays(30);

    /// <summary>Parses seconds-since-epoch (number or numeric string) or an ISO 8601 string; zone-less = UTC.</summary>
    public static DateTime? TryParse(JsonNode? node)
    {
        if (node is not JsonValue v) return null;
        switch (v.GetValueKind())
        {
            case JsonValueKind.Number:
                return FromSeconds(JsonRead.Double(v));
            case JsonValueKind.String:
                var s = v.GetValue<string>().Trim();
                if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
                    return FromSeconds(seconds);
                return TryParseIso(s);
            default:
                return null;
        }
    }

    public static DateTime? TryParseIso(string s)
    {
        // .NET accepts at most 7 fractional digits; Go's RFC3339Nano sends 9.
        s = LongFraction().Replace(s, m => m.Value[..8]);
        return DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out var dto)
            ? dto.UtcDateTime
            : null;
    }

    /// <summary>
    /// Applies clock-drift correction (when the envelope's sent_at is ≥55 min off our clock the
    /// device clock is wrong: shift by the difference), then replaces timestamps more than 60 s in
    /// the future or older than 30 days with the receive time.
    /// </summary>
    public static DateTime Clamp(DateTime? eventTime, DateTime receivedUtc, DateTime? sentAtUtc)
    {
        if (eventTime is not DateTime t) return receivedUtc;
        if (sentAtUtc is DateTime sent)
        {
            var drift = receivedUtc - sent;
            if (drift.Duration() >= DriftThreshold)
            {
                try { t = t + drift; }
                catch (ArgumentOutOfRangeException) { return receivedUtc; }
            }
        }
        if (t > receivedUtc + MaxFuture || t < receivedUtc - MaxAge) return receivedUtc;
        return DateTime.SpecifyKind(t, DateTimeKind.Utc);
    }

    private static DateTime? FromSeconds(double? seconds)
    {
        // Year 1 .. 9999 in Unix seconds; anything else is garbage.
        if (seconds is not double s || !double.IsFinite(s) || s < -62135596800 || s > 253402300799) return null;
        return DateTime.UnixEpoch.AddTicks((long)(s * TimeSpan.TicksPerSecond));
    }

    [GeneratedRegex(@"\.\d{8,}")]
    private static partial Regex LongFraction();
}
