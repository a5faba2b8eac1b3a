using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Faultline.Core.Events;

/// <summary>
/// Type-lenient accessors over a JSON tree. Why: SDKs send numbers where strings are expected
/// (user.id, tag values, lineno as "42"), lists where objects are expected and vice versa; each
/// accessor returns null for a shape it cannot use instead of throwing, so one odd field never
/// costs us the whole event.
/// </summary>
internal static class JsonRead
{
    /// <summary>Strings as-is; numbers and booleans as their JSON text; anything else null.</summary>
    public static string? Text(JsonNode? node) => node switch
    {
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => v.GetValue<string>(),
            JsonValueKind.Number => v.ToJsonString(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => null,
        },
        _ => null,
    };

    /// <summary>Like <see cref="Text"/> but objects/arrays become their compact JSON (for tag values, exception values).</summary>
    public static string? AnyText(JsonNode? node) => node switch
    {
        null => null,
        JsonValue => Text(node),
        _ => node.ToJsonString(),
    };

    /// <summary>Non-empty text after trimming, else null.</summary>
    public static string? NonEmpty(JsonNode? node)
    {
        var s = Text(node);
        return string.IsNullOrWhiteSpace(s) ? null : s;
    }

    public static long? Long(JsonNode? node)
    {
        if (node is not JsonValue v) return null;
        switch (v.GetValueKind())
        {
            case JsonValueKind.Number:
                if (v.TryGetValue(out long l)) return l;
                if (v.TryGetValue(out double d) && double.IsFinite(d) && d == Math.Floor(d) && Math.Abs(d) < 9e18) return (long)d;
                return null;
            case JsonValueKind.String:
                return long.TryParse(v.GetValue<string>().Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var p) ? p : null;
            default:
                return null;
        }
    }

    public static int? Int(JsonNode? node) => Long(node) is long l && l is >= int.MinValue and <= int.MaxValue ? (int)l : null;

    public static double? Double(JsonNode? node)
    {
        if (node is not JsonValue v) return null;
        return v.GetValueKind() switch
        {
            JsonValueKind.Number when v.TryGetValue(out double d) && double.IsFinite(d) => d,
            JsonValueKind.String when double.TryParse(v.GetValue<string>().Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var p) && double.IsFinite(p) => p,
            _ => null,
        };
    }

    public static bool? Bool(JsonNode? node)
    {
        if (node is not JsonValue v) return null;
        return v.GetValueKind() switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.String => v.GetValue<string>().Trim().ToLowerInvariant() switch
            {
                "true" or "1" or "yes" => true,
                "false" or "0" or "no" => false,
                _ => null,
            },
            JsonValueKind.Number => Long(v) switch { 1 => true, 0 => false, _ => null },
            _ => null,
        };
    }

    /// <summary>
    /// The entries of an interface that may be a bare list or <c>{"values": [...]}</c>;
    /// only object entries are returned. With <paramref name="allowSingle"/> a bare object
    /// without <c>values</c> counts as one entry (legacy raven single-exception form).
    /// </summary>
    public static List<JsonObject> Entries(JsonNode? node, bool allowSingle = false)
    {
        var list = new List<JsonObject>();
        JsonArray? array = node switch
        {
            JsonArray a => a,
            JsonObject o when o["values"] is JsonArray a => a,
            _ => null,
        };
        if (array is not null)
        {
            foreach (var item in array)
                if (item is JsonObject entry) list.Add(entry);
        }
        else if (allowSingle && node is JsonObject single && !single.ContainsKey("values") && single.Count > 0)
        {
            list.Add(single);
        }
        return list;
    }

    public static string Truncate(string s, int max) => s.Length <= max ? s : s[..max];
}
