using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Faultline.Core.Events;

namespace Faultline.Core.Grouping;

/// <summary>
/// Decides which issue an event belongs to (SENTRY-PROTOCOL.md §7.4, algorithm "g1").
/// Default: main exception type + the 3 frames closest to the throw (in-app when the SDK marks
/// any). Why 3 and no line numbers: line numbers move on every deploy and deep stacks differ per
/// caller, both of which would split one bug into many issues. The SDK's own fingerprint always
/// wins, with <c>{{ default }}</c> splicing our components in.
/// </summary>
public sealed partial class Fingerprinter
{
    public const string Version = "g1";
    public const int FramesPerGroup = 3;
    public const int MaxTitleLength = 200;
    private const char Separator = '\u001F';

    public GroupingResult Compute(NormalizedEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var defaults = DefaultComponents(e);
        var components = e.Fingerprint is { Count: > 0 } custom ? ExpandCustom(custom, defaults, e) : defaults;
        var (title, type, value) = Summarize(e);
        return new GroupingResult
        {
            Version = Version,
            Hashes = [Hash(components)],
            Components = components,
            Title = title,
            Type = type,
            Value = value,
            Culprit = Culprit(e),
        };
    }

    public static string Hash(IReadOnlyList<string> components)
    {
        var input = Version + Separator + string.Join(Separator, components);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(input)));
    }

    public static List<string> DefaultComponents(NormalizedEvent e)
    {
        var components = new List<string>();
        if (e.MainException is { } main)
        {
            if (!main.Synthetic) components.Add(TypeComponent(main));
            var frames = GroupingFrames(main.Frames);
            if (frames.Count > 0)
            {
                components.AddRange(frames.Select(FrameKey.For));
                return components;
            }
            if (main.Synthetic) components.Add(main.MechanismType ?? "synthetic");
            else components.Add(MessageParameterizer.Parameterize(main.Value));
            return components;
        }
        // Message events: prefer the un-interpolated template (stable across parameter values).
        var text = e.MessageTemplate is { Length: > 0 } template
            ? MessageParameterizer.Parameterize(template)
            : MessageParameterizer.Parameterize(e.Message);
        if (text.Length > 0) return [text];
        return e.Logger is { Length: > 0 } logger ? ["<no message>", logger] : ["<no message>"];
    }

    /// <summary>In-app frames (all when none is marked in_app), usable ones only, the last 3 in order.</summary>
    public static List<FrameInfo> GroupingFrames(IReadOnlyList<FrameInfo> frames)
    {
        var candidates = frames.Any(f => f.InApp == true) ? frames.Where(f => f.InApp == true) : frames;
        var usable = candidates.Where(FrameKey.IsUsable).ToList();
        return usable.Skip(Math.Max(0, usable.Count - FramesPerGroup)).ToList();
    }

    private static string TypeComponent(ExceptionInfo main)
    {
        var type = string.IsNullOrWhiteSpace(main.Type) ? "Error" : main.Type.Trim();
        // A dotted type is already qualified (.NET sends the assembly as module: adding it would split
        // issues between runtimes, System.Private.CoreLib vs mscorlib). Java sends "java.lang" + "Exception".
        if (main.Module is null || type.Contains('.')) return type;
        var module = FrameKey.NormalizeModule(main.Module);
        return module.Length == 0 || type.StartsWith(module + ".", StringComparison.Ordinal) ? type : $"{module}.{type}";
    }

    private static List<string> ExpandCustom(IReadOnlyList<string> custom, List<string> defaults, NormalizedEvent e)
    {
        var result = new List<string>();
        foreach (var part in custom)
        {
            var m = Variable().Match(part.Trim());
            if (!m.Success) { result.Add(part); continue; }
            var name = m.Groups[1].Value;
            if (name.Equals("default", StringComparison.OrdinalIgnoreCase)) result.AddRange(defaults);
            else result.Add(ResolveVariable(name, e) ?? part);
        }
        return result;
    }

    /// <summary>Fingerprint variables; null for unknown names (kept literally).</summary>
    private static string? ResolveVariable(string name, NormalizedEvent e)
    {
        var lower = name.ToLowerInvariant();
        if (lower.StartsWith("tags.", StringComparison.Ordinal))
        {
            var tag = name[5..];
            var hit = e.Tags.FirstOrDefault(t => t.Key == tag);
            if (hit.Key is null) hit = e.Tags.FirstOrDefault(t => string.Equals(t.Key, tag, StringComparison.OrdinalIgnoreCase));
            return hit.Key is null ? $"<no-value-for-tag-{tag}>" : hit.Value;
        }
        var top = TopInAppFrame(e);
        return lower switch
        {
            "transaction" => e.Transaction ?? "<no-transaction>",
            "type" or "error.type" => e.MainException?.Type ?? "<no-type>",
            "error.value" => e.MainException?.Value is { } v ? MessageParameterizer.FirstLine(v) : "<no-value>",
            "function" => top?.Function is { } f ? FrameKey.NormalizeFunction(f) : "<no-function>",
            "module" => top?.Module ?? "<no-module>",
            "package" => top?.Package ?? "<no-package>",
            "stack.filename" => top?.Filename ?? "<no-filename>",
            "stack.abs_path" => top?.AbsPath ?? "<no-abs-path>",
            "level" => e.Level,
            "logger" => e.Logger ?? "<no-logger>",
            "message" => e.Message ?? "<no-message>",
            _ => null,
        };
    }

    private static FrameInfo? TopInAppFrame(NormalizedEvent e)
    {
        var frames = e.MainException?.Frames ?? [];
        return frames.LastOrDefault(f => f.InApp == true) ?? frames.LastOrDefault(FrameKey.IsUsable);
    }

    private static (string Title, string Type, string Value) Summarize(NormalizedEvent e)
    {
        if (e.MainException is { } main)
        {
            var type = string.IsNullOrWhiteSpace(main.Type) ? "Error" : main.Type.Trim();
            var value = main.Value ?? "";
            string title;
            if (main.Synthetic && TopInAppFrame(e)?.Function is { } crashFunction)
                title = crashFunction; // synthetic type/value ("Segfault") say nothing; the crashing function does.
            else
            {
                var line = MessageParameterizer.FirstLine(value);
                title = line.Length == 0 ? type : $"{type}: {line}";
            }
            return (Cap(title), type, value);
        }
        if (e.Message is { Length: > 0 } message)
        {
            var line = MessageParameterizer.FirstLine(message);
            return (Cap(line.Length > 0 ? line : message.Trim()), "Message", message);
        }
        return ("<unlabeled event>", "Message", "");
    }

    private static string Culprit(NormalizedEvent e)
    {
        if (TopInAppFrame(e) is { } frame)
        {
            var where = frame.Module ?? frame.Filename ?? frame.AbsPath;
            var function = frame.Function;
            if (where is not null && function is not null) return Cap($"{where} in {function}");
            if (where is not null || function is not null) return Cap(where ?? function!);
        }
        return e.Transaction is { } t ? Cap(t) : "";
    }

    private static string Cap(string s) => s.Length <= MaxTitleLength ? s : s[..MaxTitleLength];

    [GeneratedRegex(@"^\{\{\s*([A-Za-z0-9_.\-]+)\s*\}\}$")]
    private static partial Regex Variable();
}
