using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Faultline.Core.Loop;

/// <summary>
/// Reads what <c>bd</c> (and <c>gt … --json</c>) print. Defensive by design (contract §5.3, §7.2, §10):
/// bd versions differ — create prints an object, show an array (or a bare object on some versions),
/// <c>BD_JSON_ENVELOPE=1</c> wraps either as <c>{"schema_version":1,"data":…}</c>, warning/log lines
/// can precede the JSON, errors come as <c>{"error","code"}</c> on stderr with exit 1, and some
/// versions exit 0 with empty stdout when nothing matched.
/// </summary>
public static class BdOutputParser
{
    const int MaxErrorChars = 500;

    public static BdCreateResult ParseCreate(string stdout, string stderr, int exitCode)
    {
        var json = FindJson(stdout);
        // A non-zero exit is a failure even if something JSON-like was printed: bd may have rolled back.
        if (exitCode == 0 && json is { } root && ItemObject(root) is { } item)
        {
            return Id(item) is { } id
                ? new BdCreateResult(id, null)
                : new BdCreateResult(null, "bd create printed an issue without a valid id");
        }
        return new BdCreateResult(null, ErrorText(stdout, stderr, exitCode, json) ?? "bd create printed no issue JSON");
    }

    /// <param name="requested">The ids asked for; those absent from the output are reported as not found.</param>
    public static BdShowResult ParseShow(string stdout, string stderr, int exitCode, IReadOnlyCollection<string> requested)
    {
        var json = FindJson(stdout);
        var beads = new List<BeadStatus>();
        if (json is { } root)
        {
            var payload = Unwrap(root);
            if (payload.ValueKind == JsonValueKind.Array)
            {
                foreach (var el in payload.EnumerateArray())
                    if (ToStatus(el) is { } s) beads.Add(s);
            }
            else if (payload.ValueKind == JsonValueKind.Object && !IsError(payload))
            {
                if (ToStatus(payload) is { } s) beads.Add(s);
            }
        }

        var found = beads.Select(b => b.Id).ToHashSet(StringComparer.Ordinal);
        var missing = requested.Where(id => !found.Contains(id)).Distinct().ToList();
        if (beads.Count > 0) return new BdShowResult(beads, missing, null);

        // Nothing parsed. "Not found" (JSON error on stderr, exit 1) and the old "exit 0, empty stdout"
        // bug both mean the ids do not exist; anything else means we learned nothing.
        var error = ErrorText(stdout, stderr, exitCode, json);
        if (IsNotFound(error) || IsNotFound(stdout) || (exitCode == 0 && stdout.Trim().Length == 0 && stderr.Trim().Length == 0))
            return new BdShowResult([], missing, null);
        if (exitCode == 0 && json is { } empty && Unwrap(empty) is { ValueKind: JsonValueKind.Array })
            return new BdShowResult([], missing, null); // "[]": none of them exist
        return new BdShowResult([], [], error ?? "bd show printed no JSON");
    }

    /// <summary>
    /// The first complete JSON value in the text, skipping lines before it (warnings, logs). Trailing
    /// text after the value is ignored. Null when there is none.
    /// </summary>
    public static JsonElement? FindJson(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var lineStart = 0;
        while (lineStart < text.Length)
        {
            var i = lineStart;
            while (i < text.Length && text[i] is ' ' or '\t' or '\r') i++;
            if (i < text.Length && text[i] is '{' or '[' && TryParseValueAt(text, i) is { } value) return value;
            var nl = text.IndexOf('\n', lineStart);
            if (nl < 0) break;
            lineStart = nl + 1;
        }
        return null;
    }

    static JsonElement? TryParseValueAt(string text, int start)
    {
        var bytes = Encoding.UTF8.GetBytes(text[start..]);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        try
        {
            using var doc = JsonDocument.ParseValue(ref reader);
            return doc.RootElement.Clone();
        }
        catch (JsonException) { return null; }
    }

    /// <summary>Strips the opt-in envelope <c>{"schema_version":N,"data":…}</c>.</summary>
    public static JsonElement Unwrap(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object
        && root.TryGetProperty("data", out var data)
        && root.TryGetProperty("schema_version", out _)
        && !root.TryGetProperty("id", out _)
            ? data
            : root;

    /// <summary>The issue object of a create/show reply: object, envelope, or first element of an array.</summary>
    static JsonElement? ItemObject(JsonElement root)
    {
        var payload = Unwrap(root);
        if (payload.ValueKind == JsonValueKind.Array)
            payload = payload.EnumerateArray().FirstOrDefault(e => e.ValueKind == JsonValueKind.Object);
        return payload.ValueKind == JsonValueKind.Object && !IsError(payload) ? payload : null;
    }

    static bool IsError(JsonElement o) =>
        o.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String && !o.TryGetProperty("id", out _);

    static string? Id(JsonElement o) =>
        String(o, "id") is { } id && BeadIds.IsValid(id) ? id : null;

    static BeadStatus? ToStatus(JsonElement el)
    {
        if (el.ValueKind != JsonValueKind.Object || Id(el) is not { } id) return null;
        return new BeadStatus(
            id,
            String(el, "status") ?? "open", // bd omits nothing here in practice; open is the safe non-terminal guess
            NullIfEmpty(String(el, "close_reason")),
            Time(el, "closed_at"),
            Time(el, "updated_at"),
            NullIfEmpty(String(el, "assignee")));
    }

    static string? String(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    static DateTimeOffset? Time(JsonElement o, string name) =>
        String(o, name) is { } s && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
            ? t.ToUniversalTime()
            : null;

    // Only bd's own wording: a looser "not found" would also match "database not found", and a
    // missing database must never read as "every bead was deleted".
    static bool IsNotFound(string? text) =>
        text is not null && text.Contains("no issues found", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The best one-line error: a JSON <c>error</c> (stderr first, then stdout), else the last non-empty
    /// stderr line, capped. Null when the run looks clean.
    /// </summary>
    public static string? ErrorText(string stdout, string stderr, int exitCode, JsonElement? stdoutJson = null)
    {
        foreach (var candidate in new[] { FindJson(stderr), stdoutJson ?? FindJson(stdout) })
        {
            if (candidate is { } c && Unwrap(c) is { ValueKind: JsonValueKind.Object } o && IsError(o))
            {
                var code = String(o, "code");
                return Cap(code is null ? String(o, "error")! : $"{String(o, "error")} ({code})");
            }
        }
        var lastLine = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        if (lastLine is not null) return Cap(lastLine);
        return exitCode != 0 ? $"exited with code {exitCode}" : null;
    }

    static string Cap(string s) => s.Length <= MaxErrorChars ? s : s[..MaxErrorChars] + "…";
}

/// <summary>Bead ids and rig names end up in argv and paths: accept only safe shapes (contract §9).</summary>
public static class BeadIds
{
    /// <summary>Lowercase <c>[a-z0-9][a-z0-9.-]*</c>, ≤ 64 chars, so never flag-like.</summary>
    public static bool IsValid(string? id) =>
        id is { Length: > 0 and <= 64 }
        && (char.IsAsciiLetterLower(id[0]) || char.IsAsciiDigit(id[0]))
        && id.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '-');

    /// <summary>A single directory name under the town: no separators, no dot-only names, not flag-like.</summary>
    public static bool IsValidRig(string? rig) =>
        rig is { Length: > 0 and <= 100 }
        && char.IsAsciiLetterOrDigit(rig[0])
        && rig.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.')
        && !rig.Contains("..", StringComparison.Ordinal);
}
