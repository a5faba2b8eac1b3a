using System.Text.Json;
using System.Text.Json.Nodes;
using Faultline.Core.Events;
using Faultline.Core.Issues;

namespace Faultline.Core.Loop;

/// <summary>
/// The parts of a stored event an agent needs to fix it, read from the canonical event JSON: every
/// exception (oldest first) with its in-app frames and context lines, the message, tags and breadcrumbs.
/// Library frames are dropped because they rarely tell a polecat where to change code and they dominate
/// long stacks; when an SDK marks nothing in-app, all frames are kept.
/// </summary>
public sealed record EventDigest(
    string EventId, DateTime ReceivedAt, string Level, string? Environment, string? Release, string? Message,
    IReadOnlyList<ExceptionInfo> Exceptions, IReadOnlyList<KeyValuePair<string, string>> Tags, IReadOnlyList<JsonObject> Breadcrumbs)
{
    public static EventDigest From(StoredEvent e)
    {
        JsonObject data;
        try { data = JsonNode.Parse(e.Data) as JsonObject ?? []; }
        catch (JsonException) { data = []; }

        var exceptions = new List<ExceptionInfo>();
        if (data["exception"]?["values"] is JsonArray values)
            foreach (var v in values.OfType<JsonObject>())
            {
                var ex = StackReader.ReadException(v);
                exceptions.Add(ex with { Frames = InAppFrames(ex.Frames) });
            }

        var tags = new List<KeyValuePair<string, string>>();
        if (data["tags"] is JsonObject t)
            foreach (var (k, v) in t)
                if (JsonRead.AnyText(v) is { } text) tags.Add(new(k, text));

        var crumbs = data["breadcrumbs"]?["values"] is JsonArray b ? b.OfType<JsonObject>().ToList() : [];
        return new EventDigest(e.EventId, e.ReceivedAt, e.Level, e.Environment, e.Release,
            JsonRead.NonEmpty(data["message"]), exceptions, tags, crumbs);
    }

    static IReadOnlyList<FrameInfo> InAppFrames(IReadOnlyList<FrameInfo> frames)
    {
        var inApp = frames.Where(f => f.InApp == true).ToList();
        if (inApp.Count > 0) return inApp;
        // Nothing marked: keep frames not explicitly library code.
        var unknown = frames.Where(f => f.InApp != false).ToList();
        return unknown.Count > 0 ? unknown : frames;
    }

    public static string FrameLocation(FrameInfo f)
    {
        var file = f.Filename ?? f.AbsPath ?? f.Module ?? f.Package ?? "?";
        var line = f.Lineno is { } l ? $":{l}" : "";
        return $"{file}{line} in {f.Function ?? "?"}";
    }
}
