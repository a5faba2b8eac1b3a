using System.Text.Json.Nodes;

namespace Faultline.Core.Events;

/// <summary>
/// Reads exceptions, threads and frames into the typed model.
/// Why separate: this is the shape-juggling part of normalisation (bare lists vs {values},
/// null context lines, string line numbers, thread ids as numbers or strings) and grouping
/// depends on it being forgiving but exact.
/// </summary>
internal static class StackReader
{
    public static ExceptionInfo ReadException(JsonObject e)
    {
        var mechanism = e["mechanism"] as JsonObject;
        return new ExceptionInfo
        {
            Type = JsonRead.NonEmpty(e["type"]),
            Value = JsonRead.AnyText(e["value"]),
            Module = JsonRead.NonEmpty(e["module"]),
            ThreadId = JsonRead.Long(e["thread_id"]),
            MechanismType = JsonRead.NonEmpty(mechanism?["type"]),
            Handled = JsonRead.Bool(mechanism?["handled"]),
            Synthetic = JsonRead.Bool(mechanism?["synthetic"]) == true,
            Frames = ReadFrames(e["stacktrace"]),
        };
    }

    public static ThreadInfo ReadThread(JsonObject t) => new()
    {
        Id = JsonRead.Text(t["id"]),
        Name = JsonRead.Text(t["name"]),
        Crashed = JsonRead.Bool(t["crashed"]) == true,
        Current = JsonRead.Bool(t["current"]) == true,
        Frames = ReadFrames(t["stacktrace"]),
    };

    /// <summary>Frames of a stacktrace object (or, leniently, a bare frame list), caller → callee.</summary>
    public static IReadOnlyList<FrameInfo> ReadFrames(JsonNode? stacktrace)
    {
        var frames = stacktrace switch
        {
            JsonObject o => o["frames"] as JsonArray,
            JsonArray a => a,
            _ => null,
        };
        if (frames is null) return [];
        var list = new List<FrameInfo>(frames.Count);
        foreach (var f in frames)
            if (f is JsonObject frame) list.Add(ReadFrame(frame));
        return list;
    }

    private static FrameInfo ReadFrame(JsonObject f) => new()
    {
        Filename = JsonRead.NonEmpty(f["filename"]),
        AbsPath = JsonRead.NonEmpty(f["abs_path"]),
        Function = JsonRead.NonEmpty(f["function"]),
        Module = JsonRead.NonEmpty(f["module"]),
        Package = JsonRead.NonEmpty(f["package"]),
        Lineno = JsonRead.Int(f["lineno"]),
        Colno = JsonRead.Int(f["colno"]),
        ContextLine = JsonRead.Text(f["context_line"]),
        PreContext = ReadContext(f["pre_context"]),
        PostContext = ReadContext(f["post_context"]),
        InApp = JsonRead.Bool(f["in_app"]),
    };

    /// <summary>sentry-ruby sends null entries in pre/post context; they become empty lines.</summary>
    private static IReadOnlyList<string> ReadContext(JsonNode? node)
    {
        if (node is not JsonArray a) return [];
        var lines = new List<string>(a.Count);
        foreach (var line in a) lines.Add(JsonRead.Text(line) ?? "");
        return lines;
    }

    /// <summary>
    /// Frames to group a frameless exception by: the thread it names, else the crashed thread,
    /// else the top-level stacktrace (Android ANRs and native crashes put the stack on the thread).
    /// </summary>
    public static IReadOnlyList<FrameInfo> FallbackFrames(ExceptionInfo e, IReadOnlyList<ThreadInfo> threads, IReadOnlyList<FrameInfo> topLevel)
    {
        if (e.ThreadId is long id)
        {
            var idText = id.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var match = threads.FirstOrDefault(t => t.Id == idText && t.Frames.Count > 0);
            if (match is not null) return match.Frames;
        }
        var crashed = threads.FirstOrDefault(t => t.Crashed && t.Frames.Count > 0);
        if (crashed is not null) return crashed.Frames;
        return topLevel;
    }
}
