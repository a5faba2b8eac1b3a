using System.IO.Compression;

namespace Faultline.Core.Ingest;

/// <summary>
/// Reads an ingest request body off the wire and undoes its Content-Encoding.
/// Why a separate stage: every SDK compresses differently (Java always gzip and chunked, Python
/// brotli, Ruby sends an empty header, old Android sends "UTF-8"), and all of it is untrusted,
/// so both the wire size and the decompressed size are capped while streaming — never after.
/// </summary>
public static class BodyDecoder
{
    private enum Coding { Gzip, Deflate, Brotli }

    public static async Task<byte[]> ReadAsync(Stream body, string? contentEncoding, IngestLimits limits, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(limits);
        // Validate the header before reading so a bad encoding fails fast and cheaply.
        var codings = ParseContentEncoding(contentEncoding);

        var wire = new BoundedBuffer(limits.MaxCompressedBytes, () => IngestException.TooLarge(
            $"request body exceeds the {SizeText.Of(limits.MaxCompressedBytes)} compressed limit"));
        await wire.FillFromAsync(body, ct).ConfigureAwait(false);
        var bytes = wire.ToArray();
        if (bytes.Length == 0) return bytes;

        // Content-Encoding lists codings in the order they were applied: undo them last-first.
        for (int i = codings.Count - 1; i >= 0; i--)
            bytes = Decompress(bytes, codings[i], limits.MaxDecompressedBytes);
        return bytes;
    }

    /// <summary>
    /// Legacy <c>/store/</c> bodies: raven clients sent base64(zlib(json)) without any
    /// Content-Encoding. If the first non-whitespace byte is not <c>{</c> we try that decoding;
    /// when the body is not base64 at all it is returned unchanged so the JSON parser can explain.
    /// </summary>
    public static byte[] StoreBody(byte[] body, IngestLimits limits)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(limits);
        int first = 0;
        while (first < body.Length && IsJsonWhitespace(body[first])) first++;
        if (first == body.Length || body[first] == (byte)'{') return body;

        var text = System.Text.Encoding.ASCII.GetString(body).Trim();
        byte[] packed;
        try { packed = Convert.FromBase64String(text); }
        catch (FormatException) { return body; }
        if (packed.Length == 0) return body;

        var coding = IsZlibHeader(packed) || !IsGzipMagic(packed) ? Coding.Deflate : Coding.Gzip;
        try
        {
            return Decompress(packed, coding, limits.MaxEventBytes, $"event exceeds the {SizeText.Of(limits.MaxEventBytes)} limit");
        }
        catch (IngestException e) when (e.Status == 400)
        {
            throw IngestException.BadRequest("store body is neither JSON nor base64-encoded zlib");
        }
    }

    private static List<Coding> ParseContentEncoding(string? header)
    {
        var result = new List<Coding>();
        if (string.IsNullOrWhiteSpace(header)) return result;
        foreach (var raw in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            switch (raw.ToLowerInvariant())
            {
                // "" is sent by sentry-ruby 5.x and "utf-8" by sentry-java android 2.0.0: both mean "not encoded".
                case "identity" or "utf-8" or "utf8": break;
                case "gzip" or "x-gzip": result.Add(Coding.Gzip); break;
                case "deflate": result.Add(Coding.Deflate); break;
                case "br": result.Add(Coding.Brotli); break;
                // zstd is listed by newer Sentry docs but the BCL has no decoder; be explicit about it.
                default: throw IngestException.BadRequest($"unsupported Content-Encoding '{Truncate(raw, 40)}'");
            }
        }
        return result;
    }

    private static byte[] Decompress(byte[] input, Coding coding, long limit, string? overflowDetail = null)
    {
        overflowDetail ??= $"decompressed body exceeds the {SizeText.Of(limit)} limit";
        var output = new BoundedBuffer(limit, () => IngestException.TooLarge(overflowDetail));
        using var source = new MemoryStream(input, writable: false);
        try
        {
            using Stream decoder = coding switch
            {
                Coding.Gzip => new GZipStream(source, CompressionMode.Decompress),
                // Sentry documents zlib-wrapped deflate, but some clients send raw deflate: sniff the header.
                Coding.Deflate => IsZlibHeader(input)
                    ? new ZLibStream(source, CompressionMode.Decompress)
                    : new DeflateStream(source, CompressionMode.Decompress),
                _ => new BrotliStream(source, CompressionMode.Decompress),
            };
            output.FillFrom(decoder);
        }
        catch (Exception e) when (e is InvalidDataException or InvalidOperationException or IOException)
        {
            throw IngestException.BadRequest($"body is not valid {Name(coding)}");
        }
        return output.ToArray();
    }

    private static bool IsZlibHeader(byte[] b) =>
        b.Length >= 2 && (b[0] & 0x0F) == 8 && (b[0] * 256 + b[1]) % 31 == 0;

    private static bool IsGzipMagic(byte[] b) => b.Length >= 2 && b[0] == 0x1F && b[1] == 0x8B;

    private static bool IsJsonWhitespace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';

    private static string Name(Coding c) => c switch
    {
        Coding.Gzip => "gzip",
        Coding.Deflate => "deflate",
        _ => "brotli",
    };

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..max];
}
