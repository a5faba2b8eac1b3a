using System.Text.Json;
using System.Text.Json.Nodes;

namespace Faultline.Core.Events;

/// <summary>
/// Maps the level spellings SDKs use onto Sentry's five levels.
/// Why: Python logging integrations send numeric levels (10..50), others "warn", "critical", "log";
/// a missing or unknown level means "error", as in Sentry.
/// </summary>
public static class EventLevel
{
    public const string Default = "error";

    public static string Normalize(JsonNode? node)
    {
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.Number)
            return FromNumber(JsonRead.Long(v));
        var text = JsonRead.Text(node)?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(text)) return Default;
        if (long.TryParse(text, out var n)) return FromNumber(n);
        return text switch
        {
            "fatal" or "critical" => "fatal",
            "error" or "err" => "error",
            "warning" or "warn" => "warning",
            "info" or "log" or "information" or "notice" => "info",
            "debug" or "trace" => "debug",
            _ => Default,
        };
    }

    private static string FromNumber(long? n) => n switch
    {
        >= 50 => "fatal",
        >= 40 => "error",
        >= 30 => "warning",
        >= 20 => "info",
        >= 0 => "debug",
        _ => Default,
    };
}
