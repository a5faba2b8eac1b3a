using System.Text.RegularExpressions;
using Faultline.Core.Events;

namespace Faultline.Core.Grouping;

/// <summary>
/// Turns a stack frame into a grouping key that survives deploys: where the code lives (module, or
/// a normalised file name) plus a cleaned function name — never line or column numbers.
/// Why so much cleaning: bundlers put content hashes in file names, hosts and absolute prefixes
/// differ per machine, and compilers invent names (.NET async state machines, lambda ordinals)
/// that change whenever unrelated code is edited.
/// </summary>
public static partial class FrameKey
{
    public static string For(FrameInfo frame)
    {
        var location = frame.Module is { } module ? NormalizeModule(module)
            : frame.Filename is not null || frame.AbsPath is not null ? NormalizeFile(frame.Filename ?? frame.AbsPath)
            : PackageName(frame.Package); // native frames: the binary the function lives in
        var function = NormalizeFunction(frame.Function);
        if (function.Length == 0 && frame.Function is null && !string.IsNullOrWhiteSpace(frame.ContextLine))
            function = frame.ContextLine.Trim();
        return $"{location}:{function}";
    }

    /// <summary>True when a frame has something to group on (function, or a file/module).</summary>
    public static bool IsUsable(FrameInfo f) =>
        f.Function is not null || f.Filename is not null || f.Module is not null || f.AbsPath is not null;

    public static string NormalizeModule(string module)
    {
        var m = module.Trim();
        // Assembly-qualified names carry versions: "Foo, Version=1.2.3.4, Culture=..." → "Foo".
        int comma = m.IndexOf(',');
        if (comma > 0) m = m[..comma];
        m = CompilerGenerated().Replace(m, "$1");
        m = DisplayClass().Replace(m, "");
        m = JavaLambda().Replace(m, "$$$$Lambda");
        m = Ordinal().Replace(m, "");
        return m.Trim('.', '+', '$', ' ');
    }

    private static string PackageName(string? package)
    {
        if (string.IsNullOrWhiteSpace(package)) return "";
        var p = package.Trim().Replace('\\', '/');
        return p[(p.LastIndexOf('/') + 1)..];
    }

    public static string NormalizeFile(string? path)
    {
        if (string.IsNullOrWhiteSpace(path)) return "";
        var p = path.Trim().Replace('\\', '/');
        int cut = p.IndexOfAny(['?', '#']);
        if (cut >= 0) p = p[..cut];

        bool isUrl = false;
        int scheme = p.IndexOf("://", StringComparison.Ordinal);
        if (scheme > 0)
        {
            isUrl = true;
            p = p[(scheme + 3)..];
            // webpack:///./src/x.js and app:///main.js have no host; http://host/x.js has one.
            if (!p.StartsWith('/') && !p.StartsWith('.')) { int slash = p.IndexOf('/'); p = slash < 0 ? "" : p[slash..]; }
        }

        if (isUrl || IsScriptFile(p))
        {
            var baseName = p[(p.LastIndexOf('/') + 1)..].ToLowerInvariant();
            return ContentHash().Replace(baseName, "");
        }

        p = p.TrimStart('.', '/');
        // Absolute prefixes differ per machine/deploy: keep the last two segments of absolute paths.
        if (path.TrimStart().StartsWith('/') || path.TrimStart().StartsWith('~') || DriveLetter().IsMatch(path.TrimStart()))
        {
            var segments = p.Split('/', StringSplitOptions.RemoveEmptyEntries);
            p = string.Join('/', segments.Skip(Math.Max(0, segments.Length - 2)));
        }
        return p;
    }

    public static string NormalizeFunction(string? function)
    {
        if (string.IsNullOrWhiteSpace(function)) return "";
        var f = function.Trim();
        if (f is "MoveNext" || f.EndsWith(".MoveNext", StringComparison.Ordinal) && f.Contains('<'))
            f = f == "MoveNext" ? "" : f[..^".MoveNext".Length];
        f = CompilerGenerated().Replace(f, "$1");   // <Method>d__12 → Method
        f = DisplayClass().Replace(f, "");          // <>c__DisplayClass5_0. / <>c.
        f = Address().Replace(f, "");
        f = ArgumentList().Replace(f, "");
        f = Generics().Replace(f, "");
        f = JsPrefix().Replace(f, "");
        f = Ordinal().Replace(f, "");
        f = f.Trim().Trim('.', '+', '$', ' ');
        return f is "<anonymous>" or "(anonymous function)" or "anonymous" or "?" or "<unknown>" ? "<anonymous>" : f;
    }

    private static bool IsScriptFile(string p) =>
        p.EndsWith(".js", StringComparison.OrdinalIgnoreCase) || p.EndsWith(".mjs", StringComparison.OrdinalIgnoreCase)
        || p.EndsWith(".cjs", StringComparison.OrdinalIgnoreCase) || p.EndsWith(".jsx", StringComparison.OrdinalIgnoreCase)
        || p.EndsWith(".tsx", StringComparison.OrdinalIgnoreCase) || p.EndsWith(".bundle", StringComparison.OrdinalIgnoreCase);

    [GeneratedRegex(@"<([^<>]+)>[a-zA-Z]__[\w]*")]
    private static partial Regex CompilerGenerated();

    [GeneratedRegex(@"<>c(?:__DisplayClass[\w]*)?[.+]?")]
    private static partial Regex DisplayClass();

    [GeneratedRegex(@"(?:\+\s*)?0x[0-9a-fA-F]+")]
    private static partial Regex Address();

    // Trailing "(int a, string b)" or "(...)"; a leading "(" (e.g. "(anonymous function)") is kept.
    [GeneratedRegex(@"(?<=\S)\s*\([^()]*\)\s*$")]
    private static partial Regex ArgumentList();

    // Only after an identifier, so Python's "<lambda>"/"<module>" and JS "<anonymous>" survive.
    [GeneratedRegex(@"(?<=[\w\]])<[^<>]*>|(?<=\w)\[[^\[\]]*\]|`\d+")]
    private static partial Regex Generics();

    [GeneratedRegex(@"^(?:async\s+|new\s+|\*\s*)?(?:Object|Module|Function)\.(?=.)|^(?:async|new)\s+")]
    private static partial Regex JsPrefix();

    // Java lambda$onCreate$2, Rust {closure#0}, Scala anonfun$1, "$1" anonymous classes, JS "fn$3".
    [GeneratedRegex(@"\$\d+|#\d+|_\d+$")]
    private static partial Regex Ordinal();

    // Content hashes in bundle names: main.3f9a1c2b.js, vendor-4c1e8a9f0b.js (needs a digit to be a hash).
    [GeneratedRegex(@"[.\-_](?=[0-9a-f]*\d)[0-9a-f]{6,}(?=\.)")]
    private static partial Regex ContentHash();

    // Android desugared lambdas "-$$Lambda$MainActivity$tVGPRGxxb8SivUa5SKhzp6BuXOI" and JDK "$$Lambda$14/0x0000000800c0b000": the suffix changes per build.
    [GeneratedRegex(@"\$\$Lambda[\w$/]*")]
    private static partial Regex JavaLambda();

    [GeneratedRegex(@"^[A-Za-z]:[/\\]")]
    private static partial Regex DriveLetter();
}
