using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Faultline.Core.Ingest;

namespace Faultline.Core.Ops;

/// <summary>
/// Reports Faultline's own errors as Sentry events into the self-monitoring project
/// (FAULTLINE_SELFMON_KEY, default the first project), straight into <see cref="IngestPipeline"/>:
/// no HTTP. Guards:
/// <list type="bullet">
/// <item>re-entrancy: anything raised while a self-monitoring event is being ingested is ignored
///   (async-local flag), and the ingest path's own log categories are never captured;</item>
/// <item>dedupe: an exception object is reported once however many paths see it (the service's
///   log line, the host's "BackgroundService failed", an unobserved task), and the same failure
///   signature at most once per <see cref="DedupeWindow"/>;</item>
/// <item>bounded: at most <see cref="MaxPending"/> reports in flight, the rest dropped.</item>
/// </list>
/// </summary>
public sealed class SelfMonitor(IngestPipeline pipeline, ProjectDirectory projects, OpsOptions options, TimeProvider clock)
{
    public static readonly TimeSpan DedupeWindow = TimeSpan.FromMinutes(5);
    public const int MaxPending = 16;

    private static readonly AsyncLocal<bool> InCapture = new();
    private readonly ConditionalWeakTable<Exception, object> _seen = new();
    private readonly Dictionary<string, DateTime> _recent = new();
    private readonly Lock _lock = new();
    private readonly HashSet<Task> _pending = [];
    private long _reported;

    /// <summary>True inside the ingest of a self-monitoring event (callers must not report then).</summary>
    public static bool IsCapturing => InCapture.Value;

    /// <summary>Events handed to the pipeline so far.</summary>
    public long Reported => Interlocked.Read(ref _reported);

    public long? TargetProjectId
    {
        get
        {
            if (!options.SelfMonEnabled) return null;
            if (options.SelfMonKey is { } key) return projects.ByKey(key)?.Id;
            return projects.All.Count == 0 ? null : projects.All.Min(p => p.Id);
        }
    }

    /// <summary>Queues a report of <paramref name="ex"/>; false when it was skipped (guard, dedupe, no project).</summary>
    public bool Capture(Exception ex, string source, string? message = null, bool handled = true, string level = "error")
    {
        if (IsCapturing || ex is OperationCanceledException) return false;
        if (TargetProjectId is not { } projectId) return false;
        var now = clock.GetUtcNow().UtcDateTime;
        var key = Signature(ex);
        lock (_lock)
        {
            if (_seen.TryGetValue(ex, out _)) return false;
            _seen.Add(ex, source);
            if (_recent.TryGetValue(key, out var at) && now - at < DedupeWindow) return false;
            if (_pending.Count >= MaxPending) return false;
            if (_recent.Count > 1000)
                foreach (var old in _recent.Where(kv => now - kv.Value >= DedupeWindow).Select(kv => kv.Key).ToList()) _recent.Remove(old);
            _recent[key] = now;
        }
        var evt = BuildEvent(ex, source, message, handled, level, now);
        Task task;
        using (ExecutionContext.SuppressFlow())
            task = Task.Run(() => SendAsync(projectId, evt));
        lock (_lock) if (!task.IsCompleted) _pending.Add(task);
        _ = task.ContinueWith(t => { lock (_lock) _pending.Remove(t); }, TaskScheduler.Default);
        return true;
    }

    private async Task SendAsync(long projectId, JsonObject evt)
    {
        InCapture.Value = true;
        try
        {
            await pipeline.IngestEventAsync(projectId, evt, CancellationToken.None);
            Interlocked.Increment(ref _reported);
            FaultlineMeter.SelfMonitorEvents.Add(1);
        }
        catch (Exception)
        {
            // Ingest itself is failing (queue full, storage down): nothing to report to, and never recurse.
        }
    }

    /// <summary>Waits (bounded) for reports in flight, e.g. before the process exits.</summary>
    public async Task FlushAsync(TimeSpan timeout)
    {
        Task[] pending;
        lock (_lock) pending = _pending.ToArray();
        if (pending.Length == 0) return;
        try { await Task.WhenAll(pending).WaitAsync(timeout); }
        catch (TimeoutException) { }
    }

    /// <summary>Type chain plus the top frames: equal for the same failure at the same place.</summary>
    internal static string Signature(Exception ex)
    {
        var parts = new List<string>();
        for (Exception? e = ex; e != null && parts.Count < 20; e = e.InnerException)
        {
            parts.Add(e.GetType().FullName ?? e.GetType().Name);
            foreach (var f in (new StackTrace(e, false).GetFrames() ?? []).Take(5))
                parts.Add(f.GetMethod() is { } m ? $"{m.DeclaringType?.FullName}.{m.Name}" : "?");
        }
        return string.Join('|', parts);
    }

    /// <summary>A Sentry event (exception interface with stack frames, oldest call first) for a .NET exception.</summary>
    public static JsonObject BuildEvent(Exception ex, string source, string? message, bool handled, string level, DateTime now)
    {
        var chain = new List<Exception>();
        for (Exception? e = ex; e != null && chain.Count < 10; e = e is AggregateException { InnerExceptions.Count: 1 } agg ? agg.InnerExceptions[0] : e.InnerException)
            chain.Add(e);
        chain.Reverse(); // Sentry lists the innermost cause first, the caught exception last.
        var values = new JsonArray();
        foreach (var e in chain)
        {
            var value = new JsonObject
            {
                ["type"] = e.GetType().Name,
                ["value"] = e.Message,
                ["module"] = e.GetType().Namespace,
                ["mechanism"] = new JsonObject { ["type"] = source, ["handled"] = handled },
            };
            var frames = Frames(e);
            if (frames.Count > 0) value["stacktrace"] = new JsonObject { ["frames"] = frames };
            values.Add(value);
        }
        var evt = new JsonObject
        {
            ["event_id"] = Guid.NewGuid().ToString("N"),
            ["timestamp"] = new DateTimeOffset(DateTime.SpecifyKind(now, DateTimeKind.Utc)).ToUnixTimeMilliseconds() / 1000.0,
            ["platform"] = "csharp",
            ["level"] = level,
            ["logger"] = source,
            ["server_name"] = Environment.MachineName,
            ["release"] = "faultline@" + FaultlineMeter.Version,
            ["environment"] = "faultline",
            ["tags"] = new JsonObject { ["source"] = source, ["faultline.selfmon"] = "true" },
            ["exception"] = new JsonObject { ["values"] = values },
        };
        if (!string.IsNullOrEmpty(message) && message != ex.Message)
            evt["message"] = new JsonObject { ["formatted"] = message.Length > 2000 ? message[..2000] : message };
        return evt;
    }

    private static JsonArray Frames(Exception e)
    {
        var result = new JsonArray();
        var frames = new StackTrace(e, true).GetFrames() ?? [];
        for (var i = frames.Length - 1; i >= 0; i--)
        {
            var f = frames[i];
            if (f.GetMethod() is not { } m) continue;
            var type = m.DeclaringType;
            var function = m.Name;
            // Async/iterator state machines: "<RunAsync>d__4.MoveNext" → RunAsync on the outer type.
            if (type is { Name: ['<', ..] } && type.Name.IndexOf('>') is > 1 and var close)
            {
                function = type.Name[1..close];
                type = type.DeclaringType ?? type;
            }
            var module = type?.FullName ?? type?.Name ?? "";
            var frame = new JsonObject
            {
                ["function"] = function,
                ["module"] = module,
                ["in_app"] = module.StartsWith("Faultline", StringComparison.Ordinal),
            };
            if (f.GetFileName() is { Length: > 0 } file)
            {
                frame["filename"] = Path.GetFileName(file);
                frame["abs_path"] = file;
            }
            if (f.GetFileLineNumber() is > 0 and var line) frame["lineno"] = line;
            result.Add(frame);
        }
        return result;
    }
}
