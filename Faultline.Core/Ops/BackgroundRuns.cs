using System.Collections.Concurrent;

namespace Faultline.Core.Ops;

/// <summary>
/// Where background services report their last successful run (and last failure), shown by
/// <c>/_health</c>. Call <see cref="Report"/> at the end of every successful pass, with one of
/// the name constants below (or your own short snake_case name).
/// </summary>
public sealed class BackgroundRuns(TimeProvider clock)
{
    public const string Retention = "retention";
    public const string BeadPoller = "bead_poller";
    public const string UptimeChecker = "uptime_checker";
    public const string HeartbeatMonitor = "heartbeat_monitor";

    /// <summary>Always listed by /_health, with null times until they first run.</summary>
    public static readonly IReadOnlyList<string> Known = [Retention, BeadPoller, UptimeChecker, HeartbeatMonitor];

    public sealed record Run(DateTime? LastSuccess, DateTime? LastFailure, string? LastError);

    private readonly ConcurrentDictionary<string, Run> _runs = new(StringComparer.Ordinal);

    /// <summary>Records a successful run of <paramref name="name"/> now.</summary>
    public void Report(string name)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        _runs.AddOrUpdate(name, _ => new Run(now, null, null), (_, r) => r with { LastSuccess = now });
    }

    /// <summary>Records a failed run (the message only; never put secrets in it).</summary>
    public void ReportFailure(string name, string error)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        _runs.AddOrUpdate(name, _ => new Run(null, now, error), (_, r) => r with { LastFailure = now, LastError = error });
    }

    public Run? Get(string name) => _runs.GetValueOrDefault(name);

    /// <summary>Every known or reported service, sorted by name.</summary>
    public IReadOnlyList<(string Name, Run Run)> Snapshot()
    {
        var names = new SortedSet<string>(Known, StringComparer.Ordinal);
        foreach (var k in _runs.Keys) names.Add(k);
        return names.Select(n => (n, _runs.GetValueOrDefault(n) ?? new Run(null, null, null))).ToList();
    }
}
