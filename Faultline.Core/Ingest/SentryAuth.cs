using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Faultline.Core.Ingest;

/// <summary>
/// Finds the project's public key in whichever of the places SDKs put it (SENTRY-PROTOCOL.md §2):
/// X-Sentry-Auth (most SDKs), Authorization: Sentry/Basic (log drains), ?sentry_key= (browser JS,
/// which avoids custom headers to skip CORS preflight) and the envelope <c>dsn</c> header (tunnels, Go).
/// Unlike Relay we accept several sources at once as long as they agree, because Go sends both a
/// header and a dsn. Keys never appear in exception messages: those end up in logs.
/// </summary>
public static class SentryAuth
{
    public const int MaxProtocolVersion = 7;

    public const string MissingMessage =
        "missing authorization: send X-Sentry-Auth, Authorization: Sentry, ?sentry_key= or an envelope dsn";

    /// <summary>Returns the lowercased public key or throws an <see cref="IngestException"/> (401/400).</summary>
    public static string ResolveKey(IHeaderDictionary headers, IQueryCollection query, string? envelopeDsn)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(query);
        var keys = new List<string>(4);

        var sentryAuth = headers["X-Sentry-Auth"].ToString();
        if (!string.IsNullOrWhiteSpace(sentryAuth))
        {
            // Relay only considers the header when it uses the "Sentry " scheme; anything else is malformed.
            if (!StartsWithScheme(sentryAuth, "sentry"))
                throw Unauthorized("bad X-Sentry-Auth header");
            keys.Add(ParseSentryPairs(sentryAuth, "bad X-Sentry-Auth header"));
        }

        var authorization = headers.Authorization.ToString();
        if (!string.IsNullOrWhiteSpace(authorization))
        {
            if (StartsWithScheme(authorization, "sentry"))
                keys.Add(ParseSentryPairs(authorization, "bad Authorization header"));
            else if (StartsWithScheme(authorization, "basic"))
                keys.Add(ParseBasic(authorization));
            // Other schemes (Bearer for a reverse proxy, say) are not ours: ignore them.
        }

        if (query.TryGetValue("sentry_key", out var queryKey))
        {
            var k = queryKey.ToString().Trim();
            if (k.Length == 0) throw Unauthorized("empty sentry_key query parameter");
            CheckVersion(query["sentry_version"].ToString());
            keys.Add(k);
        }

        if (!string.IsNullOrWhiteSpace(envelopeDsn))
        {
            var parsed = ParseDsn(envelopeDsn) ?? throw Unauthorized("envelope dsn header is not a valid DSN");
            keys.Add(parsed.Key);
        }

        if (keys.Count == 0) throw Unauthorized(MissingMessage);
        var first = keys[0];
        for (int i = 1; i < keys.Count; i++)
            if (!KeysEqual(first, keys[i])) throw Unauthorized("conflicting credentials");
        return first.ToLowerInvariant();
    }

    /// <summary>
    /// <c>scheme://key[:secret]@host[:port][/prefix]/projectId</c> → (key, project id).
    /// Project id is null when the last path segment is not numeric; null overall when there is no key.
    /// </summary>
    public static (string Key, long? ProjectId)? ParseDsn(string dsn)
    {
        if (string.IsNullOrWhiteSpace(dsn)) return null;
        if (!Uri.TryCreate(dsn.Trim(), UriKind.Absolute, out var uri)) return null;
        var userInfo = uri.UserInfo;
        if (string.IsNullOrEmpty(userInfo)) return null;
        int colon = userInfo.IndexOf(':');
        var key = Uri.UnescapeDataString(colon < 0 ? userInfo : userInfo[..colon]).Trim();
        if (key.Length == 0) return null;

        var segment = uri.AbsolutePath.TrimEnd('/');
        segment = segment[(segment.LastIndexOf('/') + 1)..];
        long? projectId = long.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;
        return (key, projectId);
    }

    private static string ParseSentryPairs(string value, string malformed)
    {
        int space = value.IndexOf(' ');
        string? key = null;
        foreach (var part in value[(space + 1)..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = part.IndexOf('=');
            if (eq <= 0) continue; // Relay skips items without '='.
            var name = part[..eq].Trim();
            var val = part[(eq + 1)..].Trim();
            if (name.Equals("sentry_key", StringComparison.OrdinalIgnoreCase)) key = val;
            else if (name.Equals("sentry_version", StringComparison.OrdinalIgnoreCase)) CheckVersion(val);
        }
        if (string.IsNullOrEmpty(key)) throw Unauthorized(malformed);
        return key;
    }

    private static string ParseBasic(string value)
    {
        var encoded = value[(value.IndexOf(' ') + 1)..].Trim();
        string decoded;
        try { decoded = Encoding.UTF8.GetString(Convert.FromBase64String(encoded)); }
        catch (FormatException) { throw Unauthorized("bad Authorization header"); }
        int colon = decoded.IndexOf(':');
        var key = (colon < 0 ? decoded : decoded[..colon]).Trim();
        if (key.Length == 0) throw Unauthorized("bad Authorization header");
        return key;
    }

    /// <summary>Only the integer part counts ("7.0" → 7); missing = latest. Newer than we speak → 400.</summary>
    private static void CheckVersion(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw)) return;
        var major = raw.Trim();
        int dot = major.IndexOf('.');
        if (dot >= 0) major = major[..dot];
        if (!int.TryParse(major, NumberStyles.None, CultureInfo.InvariantCulture, out var version))
            throw IngestException.BadRequest("invalid sentry_version");
        if (version > MaxProtocolVersion) throw IngestException.BadRequest("unsupported protocol version");
    }

    private static bool StartsWithScheme(string value, string scheme) =>
        value.Length > scheme.Length
        && value.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)
        && value[scheme.Length] == ' ';

    /// <summary>Case-insensitive and constant-time for equal lengths, so comparing keys leaks nothing through timing.</summary>
    private static bool KeysEqual(string a, string b)
    {
        var x = Encoding.UTF8.GetBytes(a.ToLowerInvariant());
        var y = Encoding.UTF8.GetBytes(b.ToLowerInvariant());
        return System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(x, y);
    }

    private static IngestException Unauthorized(string detail) => new(401, detail);
}
