using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Faultline.Core.Ingest;

/// <summary>
/// Splits a decompressed envelope into header and items (SENTRY-PROTOCOL.md §3).
/// Why hand-rolled: the framing is byte-based (<c>length</c> counts bytes, payloads may be binary
/// or contain CRLF), so it cannot be read as text lines. We are liberal where real SDKs differ
/// (missing final newline, missing <c>length</c>, trailing blank lines, unknown item types) and
/// strict only where the framing is genuinely broken — those are 400s.
/// </summary>
public static class EnvelopeParser
{
    /// <summary>Header lines are small JSON objects; cap them so a newline-free body can't be parsed as one huge header.</summary>
    public const int MaxHeaderLineBytes = 64 * 1024;

    public static Envelope Parse(ReadOnlyMemory<byte> data) => Parse(data, IngestLimits.Default);

    public static Envelope Parse(ReadOnlyMemory<byte> data, IngestLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var span = data.Span;
        int pos = 0;

        var headerLine = ReadLine(span, ref pos, out _);
        if (IsBlank(headerLine)) throw IngestException.BadRequest("envelope header line is missing");
        var headers = ParseHeaderObject(headerLine, "envelope header");

        var items = new List<EnvelopeItem>();
        while (true)
        {
            // Relay tolerates whitespace before an item header; we also accept trailing blank lines at the end.
            while (pos < span.Length && IsWhitespace(span[pos])) pos++;
            if (pos >= span.Length) break;
            items.Add(ReadItem(data, ref pos, limits));
        }

        return new Envelope
        {
            Headers = headers,
            Items = items,
            EventId = ReadEventId(headers),
            Dsn = headers["dsn"] is JsonValue dsn && dsn.TryGetValue(out string? d) ? d : null,
            SentAt = ReadSentAt(headers),
        };
    }

    private static EnvelopeItem ReadItem(ReadOnlyMemory<byte> data, ref int pos, IngestLimits limits)
    {
        var span = data.Span;
        var line = ReadLine(span, ref pos, out bool endedAtEof);
        var header = ParseHeaderObject(line, "item header");
        if (header["type"] is not JsonValue tv || !tv.TryGetValue(out string? type) || string.IsNullOrEmpty(type))
            throw IngestException.BadRequest("item header has no type");

        long? declared = header["length"] is { } lengthNode ? ReadLength(lengthNode, type) : null;
        ReadOnlyMemory<byte> payload;
        if (endedAtEof && declared is null or 0)
        {
            // A header as the very last line, without payload: Relay treats it as an empty payload.
            payload = ReadOnlyMemory<byte>.Empty;
        }
        else if (declared is long length)
        {
            long available = span.Length - pos;
            if (length > available)
                throw IngestException.BadRequest($"item of type {type} declares length {length} but only {available} bytes follow");
            payload = data.Slice(pos, (int)length);
            pos += (int)length;
            if (pos < span.Length)
            {
                if (span[pos] != (byte)'\n')
                    throw IngestException.BadRequest($"item of type {type} declares length {length} but its payload is not followed by a newline");
                pos++;
            }
        }
        else
        {
            // No length (JS SDK): the payload is the rest of the line. A CR before the LF belongs to the payload.
            int start = pos;
            int nl = span[pos..].IndexOf((byte)'\n');
            int end = nl < 0 ? span.Length : pos + nl;
            payload = data[start..end];
            pos = nl < 0 ? span.Length : end + 1;
        }

        if (type == "event" && payload.Length > limits.MaxEventBytes)
            throw IngestException.TooLarge($"event item exceeds the {SizeText.Of(limits.MaxEventBytes)} limit");
        return new EnvelopeItem { Type = type, Header = header, Payload = payload };
    }

    private static long ReadLength(JsonNode node, string type)
    {
        if (node is JsonValue v)
        {
            if (v.TryGetValue(out long l) && l >= 0) return l;
            if (v.TryGetValue(out double d) && d >= 0 && d == Math.Floor(d) && d <= int.MaxValue) return (long)d;
        }
        throw IngestException.BadRequest($"item of type {type} has an invalid length");
    }

    /// <summary>Returns the bytes up to the next LF (exclusive) and moves past it.</summary>
    private static ReadOnlySpan<byte> ReadLine(ReadOnlySpan<byte> span, ref int pos, out bool endedAtEof)
    {
        var rest = span[pos..];
        int nl = rest.IndexOf((byte)'\n');
        int len = nl < 0 ? rest.Length : nl;
        if (len > MaxHeaderLineBytes)
            throw IngestException.BadRequest($"envelope header line exceeds {SizeText.Of(MaxHeaderLineBytes)}");
        endedAtEof = nl < 0;
        pos += nl < 0 ? len : len + 1;
        return rest[..len];
    }

    private static JsonObject ParseHeaderObject(ReadOnlySpan<byte> line, string what)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(line);
            // Force materialisation now: JsonObject is lazy and duplicate keys would otherwise throw later.
            if (node is JsonObject o) _ = o.Count;
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException)
        {
            throw IngestException.BadRequest($"{what} is not valid JSON");
        }
        return node as JsonObject ?? throw IngestException.BadRequest($"{what} is not a JSON object");
    }

    private static string? ReadEventId(JsonObject headers)
    {
        var node = headers["event_id"];
        if (node is null) return null;
        if (node is JsonValue v && v.TryGetValue(out string? s) && EventIds.TryNormalize(s) is { } id) return id;
        throw IngestException.BadRequest("envelope header event_id is not a valid UUID");
    }

    private static DateTime? ReadSentAt(JsonObject headers)
    {
        // Lenient: sent_at only tunes clock-drift correction, a bad value (React Native tests send "123") is ignored.
        if (headers["sent_at"] is JsonValue v && v.TryGetValue(out string? s)
            && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var dto))
            return dto.UtcDateTime;
        return null;
    }

    private static bool IsBlank(ReadOnlySpan<byte> line)
    {
        foreach (var b in line)
            if (!IsWhitespace(b)) return false;
        return true;
    }

    private static bool IsWhitespace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';
}
