using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Faultline.Core.Events;

/// <summary>
/// Server-side data scrubbing before anything is stored (Sentry's "default scrubbers").
/// Why on the server: SDK-side scrubbing is opt-in and frequently off, and request headers,
/// cookies, form bodies and breadcrumbs routinely carry passwords, tokens and card numbers.
/// Only the parts of an event that hold user/request data are walked; stack frames and messages
/// are left alone so grouping and debugging still work. Never throws, whatever the shape.
/// </summary>
public sealed partial class PiiScrubber
{
    public const string Filtered = "[Filtered]";

    /// <summary>Substrings of a normalised key (lower case, only letters and digits) that mark it sensitive.</summary>
    private static readonly string[] SensitiveKeyParts =
    [
        "password", "passwd", "pwd", "secret", "token", "apikey", "auth", "cookie",
        "session", "csrf", "xsrf", "credential", "privatekey", "signature", "creditcard", "cardnumber",
    ];

    private const int MaxDepth = 64;

    public void Scrub(JsonObject eventJson)
    {
        if (eventJson is null) return;
        if (eventJson["request"] is JsonObject request) ScrubRequest(request);
        ScrubMember(eventJson, "extra");
        ScrubMember(eventJson, "contexts");
        ScrubMember(eventJson, "user");
        if (eventJson["user"] is JsonObject user && user.ContainsKey("ip_address") && user["ip_address"] is not null)
            user["ip_address"] = Filtered;
        ScrubBreadcrumbs(eventJson["breadcrumbs"]);
    }

    /// <summary>True when a key name looks like it holds a credential (case/punctuation-insensitive).</summary>
    public static bool IsSensitiveKey(string? key)
    {
        if (string.IsNullOrEmpty(key)) return false;
        var normalized = new StringBuilder(key.Length);
        foreach (var c in key)
            if (char.IsAsciiLetterOrDigit(c)) normalized.Append(char.ToLowerInvariant(c));
        var k = normalized.ToString();
        foreach (var part in SensitiveKeyParts)
            if (k.Contains(part, StringComparison.Ordinal)) return true;
        return false;
    }

    /// <summary>Replaces every Luhn-valid 13–19 digit run (spaces/dashes allowed) with [Filtered].</summary>
    public static string ScrubCardNumbers(string text)
    {
        if (text.Length < 13) return text;
        return CardCandidate().Replace(text, m =>
        {
            Span<int> digits = stackalloc int[19];
            int n = 0;
            foreach (var c in m.Value)
            {
                if (!char.IsAsciiDigit(c)) continue;
                if (n == digits.Length) return m.Value;
                digits[n++] = c - '0';
            }
            return n >= 13 && PassesLuhn(digits[..n]) ? Filtered : m.Value;
        });
    }

    private static bool PassesLuhn(ReadOnlySpan<int> digits)
    {
        int sum = 0;
        bool doubleIt = false;
        for (int i = digits.Length - 1; i >= 0; i--)
        {
            int d = digits[i];
            if (doubleIt) { d *= 2; if (d > 9) d -= 9; }
            sum += d;
            doubleIt = !doubleIt;
        }
        return sum % 10 == 0;
    }

    private void ScrubRequest(JsonObject request)
    {
        // A raw Cookie header string can't be filtered per cookie reliably: drop it whole.
        if (request["cookies"] is JsonValue) request["cookies"] = Filtered;
        else ScrubMember(request, "cookies");
        if (request["query_string"] is JsonValue qs && JsonRead.Text(qs) is { } query)
            request["query_string"] = ScrubFormEncoded(query);
        else ScrubMember(request, "query_string");
        if (request["data"] is JsonValue dv && JsonRead.Text(dv) is { } body)
            request["data"] = LooksFormEncoded(body) ? ScrubFormEncoded(body) : ScrubCardNumbers(body);
        else ScrubMember(request, "data");
        ScrubMember(request, "headers");
        ScrubMember(request, "env");
    }

    private void ScrubBreadcrumbs(JsonNode? node)
    {
        foreach (var crumb in JsonRead.Entries(node))
        {
            ScrubMember(crumb, "data");
            if (crumb["message"] is JsonValue m && JsonRead.Text(m) is { } message && m.GetValueKind() == System.Text.Json.JsonValueKind.String)
                crumb["message"] = ScrubCardNumbers(message);
        }
    }

    private void ScrubMember(JsonObject parent, string key)
    {
        if (parent[key] is not { } child) return;
        var scrubbed = ScrubNode(child, 0);
        // Re-assigning a node to its own parent throws, so only write real replacements.
        if (!ReferenceEquals(scrubbed, child)) parent[key] = scrubbed;
    }

    /// <summary>Returns the scrubbed replacement for <paramref name="node"/> (objects/arrays are edited in place).</summary>
    private JsonNode? ScrubNode(JsonNode? node, int depth)
    {
        if (node is null || depth > MaxDepth) return node;
        switch (node)
        {
            case JsonObject obj:
                foreach (var key in obj.Select(kv => kv.Key).ToList())
                {
                    if (obj[key] is not { } child) continue;
                    var replacement = IsSensitiveKey(key) ? Filtered : ScrubNode(child, depth + 1);
                    if (!ReferenceEquals(replacement, child)) obj[key] = replacement;
                }
                return obj;
            case JsonArray array:
                for (int i = 0; i < array.Count; i++)
                {
                    // [["name", "value"], ...] — the list-of-pairs form of headers/cookies/query/env.
                    if (array[i] is JsonArray { Count: 2 } pair && JsonRead.Text(pair[0]) is { } pairKey && pair[1] is { } pairValue)
                    {
                        var replacedValue = IsSensitiveKey(pairKey) ? Filtered : ScrubNode(pairValue, depth + 1);
                        if (!ReferenceEquals(replacedValue, pairValue)) pair[1] = replacedValue;
                        continue;
                    }
                    var item = array[i];
                    var replacedItem = ScrubNode(item, depth + 1);
                    if (!ReferenceEquals(replacedItem, item)) array[i] = replacedItem;
                }
                return array;
            case JsonValue value when value.GetValueKind() == System.Text.Json.JsonValueKind.String:
                var text = value.GetValue<string>();
                var scrubbed = ScrubCardNumbers(text);
                return scrubbed == text ? node : JsonValue.Create(scrubbed);
            default:
                return node;
        }
    }

    private static bool LooksFormEncoded(string s) =>
        s.Contains('=') && !s.Contains(' ') && !s.TrimStart().StartsWith('{') && !s.TrimStart().StartsWith('[');

    /// <summary>Filters values of sensitive parameters in "a=1&amp;password=x" and scrubs card numbers in the rest.</summary>
    private static string ScrubFormEncoded(string query)
    {
        var prefix = query.StartsWith('?') ? "?" : "";
        var parts = query[prefix.Length..].Split('&');
        for (int i = 0; i < parts.Length; i++)
        {
            int eq = parts[i].IndexOf('=');
            if (eq < 0) continue;
            var name = Uri.UnescapeDataString(parts[i][..eq].Replace('+', ' '));
            parts[i] = IsSensitiveKey(name)
                ? parts[i][..(eq + 1)] + Uri.EscapeDataString(Filtered)
                : parts[i][..(eq + 1)] + ScrubCardNumbers(parts[i][(eq + 1)..]);
        }
        return prefix + string.Join('&', parts);
    }

    [GeneratedRegex(@"(?<![\d])\d(?:[ -]?\d){12,18}(?![\d])")]
    private static partial Regex CardCandidate();
}
