using System.Diagnostics.Metrics;
using System.Reflection;
using Faultline.Core.Storage;

namespace Faultline.Core.Ops;

/// <summary>
/// The "Faultline" meter (System.Diagnostics.Metrics): read it with
/// <c>dotnet-counters monitor -n faultline --counters Faultline</c> or any OpenTelemetry collector
/// listening to that meter. One process runs one Faultline, so the instruments are static;
/// the observable gauges read whichever queue <see cref="Observe"/> was last given.
/// </summary>
public static class FaultlineMeter
{
    public const string Name = "Faultline";

    public static string Version { get; } =
        typeof(FaultlineMeter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(FaultlineMeter).Assembly.GetName().Version?.ToString() ?? "0.0.0";

    private static readonly Meter Meter = new(Name, Version);

    /// <summary>Events committed to storage (acknowledged).</summary>
    public static readonly Counter<long> EventsAccepted =
        Meter.CreateCounter<long>("faultline.events.accepted", "{event}", "Events committed to storage");

    /// <summary>Ingest requests refused, tagged with the HTTP status.</summary>
    public static readonly Counter<long> RequestsRefused =
        Meter.CreateCounter<long>("faultline.ingest.refused", "{request}", "Ingest requests refused, by HTTP status");

    /// <summary>Duration of one batch transaction (write + commit).</summary>
    public static readonly Histogram<double> BatchCommitDuration =
        Meter.CreateHistogram<double>("faultline.batch.commit.duration", "ms", "Duration of one batch transaction");

    /// <summary>Uptime checks, tagged with outcome (up/down/blocked/error).</summary>
    public static readonly Counter<long> UptimeChecks =
        Meter.CreateCounter<long>("faultline.uptime.checks", "{check}", "Active uptime checks by outcome");

    /// <summary>Faultline's own errors reported into the self-monitoring project.</summary>
    public static readonly Counter<long> SelfMonitorEvents =
        Meter.CreateCounter<long>("faultline.selfmon.events", "{event}", "Faultline's own errors reported as events");

    private static IngestQueue? _queue;

    static FaultlineMeter()
    {
        Meter.CreateObservableGauge("faultline.ingest.queue.depth", () => (long)(Volatile.Read(ref _queue)?.Depth ?? 0),
            "{event}", "Events waiting for the batch writer");
        Meter.CreateObservableGauge("faultline.ingest.queue.bytes", () => Volatile.Read(ref _queue)?.QueuedBytes ?? 0,
            "By", "Bytes waiting for the batch writer");
    }

    /// <summary>Points the queue gauges at the running host's queue.</summary>
    public static void Observe(IngestQueue queue) => Volatile.Write(ref _queue, queue);

    public static void Refused(int status) =>
        RequestsRefused.Add(1, new KeyValuePair<string, object?>("status", status));
}
