using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Faultline.Core.Ingest;

namespace Faultline.Core.Events;

/// <summary>
/// Parses an event payload into a mutable JSON tree.
/// Why lenient: events are "historically loose" — trailing commas and comments appear in
/// hand-written clients, and legacy raven-python emitted bare NaN/Infinity, which System.Text.Json
/// refuses. Those tokens become null (Relay does the same rewrite) instead of failing the event.
/// </summary>
public static class EventJson
{
    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        AllowTrailingCommas = true,
        CommentHandling = JsonCommentHandling.Skip,
        MaxDepth = 128,
    };

    public static JsonObject ParseObject(ReadOnlySpan<byte> utf8)
    {
        // Note: "\xEF"u8 would be U+00EF encoded as UTF-8, not the byte 0xEF — spell the BOM as bytes.
        ReadOnlySpan<byte> bom = [0xEF, 0xBB, 0xBF];
        if (utf8.StartsWith(bom)) utf8 = utf8[3..];
        if (utf8.Trim(" \t\r\n"u8).IsEmpty) throw IngestException.BadRequest("event is not valid JSON: empty payload");
        JsonNode? node;
        try
        {
            node = ParseFully(utf8);
        }
        catch (Exception first) when (IsParseFailure(first))
        {
            var sanitized = ReplaceNonFiniteTokens(utf8);
            if (sanitized is null) throw Invalid(first);
            try { node = ParseFully(sanitized); }
            catch (Exception second) when (IsParseFailure(second)) { throw Invalid(second); }
        }
        return node switch
        {
            JsonObject o => o,
            null => throw IngestException.BadRequest("event is not valid JSON: expected an object, got null"),
            _ => throw IngestException.BadRequest($"event is not valid JSON: expected an object, got {node.GetValueKind().ToString().ToLowerInvariant()}"),
        };
    }

    private static JsonNode? ParseFully(ReadOnlySpan<byte> utf8)
    {
        var node = JsonNode.Parse(utf8, documentOptions: DocumentOptions);
        // JsonObject materialises lazily; walk it now so duplicate keys fail here, not deep inside normalisation.
        Touch(node, 0);
        return node;
    }

    private static void Touch(JsonNode? node, int depth)
    {
        if (depth > 200) return;
        switch (node)
        {
            case JsonObject o:
                foreach (var kv in o) Touch(kv.Value, depth + 1);
                break;
            case JsonArray a:
                foreach (var item in a) Touch(item, depth + 1);
                break;
        }
    }

    private static bool IsParseFailure(Exception e) => e is JsonException or ArgumentException or InvalidOperationException;

    private static IngestException Invalid(Exception e)
    {
        var reason = e.Message;
        int cut = reason.IndexOf(" Path:", StringComparison.Ordinal);
        if (cut > 0) reason = reason[..cut];
        if (reason.Length > 160) reason = reason[..160];
        return IngestException.BadRequest($"event is not valid JSON: {reason.Trim()}");
    }

    /// <summary>Replaces NaN, Infinity and -Infinity outside strings with null; null when there was none.</summary>
    internal static byte[]? ReplaceNonFiniteTokens(ReadOnlySpan<byte> utf8)
    {
        var output = new ArrayBufferWriter<byte>(Math.Max(16, utf8.Length));
        bool inString = false, changed = false;
        int i = 0, copiedUpTo = 0;
        while (i < utf8.Length)
        {
            byte b = utf8[i];
            if (inString)
            {
                if (b == (byte)'\\') i++;
                else if (b == (byte)'"') inString = false;
                i++;
                continue;
            }
            if (b == (byte)'"') { inString = true; i++; continue; }
            int tokenLength = MatchNonFinite(utf8[i..]);
            if (tokenLength > 0 && (i == 0 || !IsIdentifierByte(utf8[i - 1])))
            {
                output.Write(utf8[copiedUpTo..i]);
                output.Write("null"u8);
                i += tokenLength;
                copiedUpTo = i;
                changed = true;
                continue;
            }
            i++;
        }
        if (!changed) return null;
        output.Write(utf8[copiedUpTo..]);
        return output.WrittenSpan.ToArray();
    }

    private static int MatchNonFinite(ReadOnlySpan<byte> s)
    {
        int length = s.StartsWith("NaN"u8) ? 3
            : s.StartsWith("Infinity"u8) ? 8
            : s.StartsWith("-Infinity"u8) ? 9
            : s.StartsWith("+Infinity"u8) ? 9
            : 0;
        if (length > 0 && length < s.Length && IsIdentifierByte(s[length])) return 0;
        return length;
    }

    private static bool IsIdentifierByte(byte b) => char.IsAsciiLetterOrDigit((char)b) || b == (byte)'_';
}
