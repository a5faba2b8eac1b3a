using System.Collections;
using System.Globalization;
using Faultline.Core.Config;

namespace Faultline.Core.Ops;

/// <summary>
/// Settings of the operations features (heartbeats, uptime checks, /_health, self-monitoring),
/// read from FAULTLINE_* variables like <see cref="FaultlineOptions"/>.
/// </summary>
public sealed record OpsOptions
{
    /// <summary>FAULTLINE_UPTIME_INTERVAL_SECS: seconds between uptime rounds; 0 disables active checks.</summary>
    public int UptimeIntervalSecs { get; init; } = 60;
    /// <summary>FAULTLINE_UPTIME_TIMEOUT_SECS: timeout of one check, redirects included.</summary>
    public int UptimeTimeoutSecs { get; init; } = 5;
    /// <summary>FAULTLINE_UPTIME_CONCURRENCY: checks running at once.</summary>
    public int UptimeConcurrency { get; init; } = 4;
    /// <summary>FAULTLINE_HEARTBEAT_CHECK_SECS: how often heartbeat staleness is evaluated.</summary>
    public int HeartbeatCheckSecs { get; init; } = 30;
    /// <summary>FAULTLINE_QUEUE_WARN: a fraction of the queue capacity when ≤ 1, else an event count.</summary>
    public double QueueWarn { get; init; } = 0.5;
    /// <summary>FAULTLINE_QUEUE_CRIT: like <see cref="QueueWarn"/>; critical makes /_health degraded (503).</summary>
    public double QueueCrit { get; init; } = 0.9;
    /// <summary>FAULTLINE_SELFMON_KEY: public key of the project receiving Faultline's own errors;
    /// null = the first project; "off" disables self-monitoring.</summary>
    public string? SelfMonKey { get; init; }
    public bool SelfMonEnabled => !string.Equals(SelfMonKey, "off", StringComparison.OrdinalIgnoreCase);
    /// <summary>FAULTLINE_SHUTDOWN_TIMEOUT_SECS: how long a graceful stop may take (in-flight batches finish).</summary>
    public int ShutdownTimeoutSecs { get; init; } = 45;

    public static OpsOptions FromDictionary(IDictionary env)
    {
        string? Get(string name) => env[name] is string s && s.Trim().Length > 0 ? s.Trim() : null;
        var o = new OpsOptions
        {
            UptimeIntervalSecs = FaultlineOptions.ParseInt(Get("FAULTLINE_UPTIME_INTERVAL_SECS"), "FAULTLINE_UPTIME_INTERVAL_SECS", 60),
            UptimeTimeoutSecs = FaultlineOptions.ParseInt(Get("FAULTLINE_UPTIME_TIMEOUT_SECS"), "FAULTLINE_UPTIME_TIMEOUT_SECS", 5, min: 1),
            UptimeConcurrency = FaultlineOptions.ParseInt(Get("FAULTLINE_UPTIME_CONCURRENCY"), "FAULTLINE_UPTIME_CONCURRENCY", 4, min: 1),
            HeartbeatCheckSecs = FaultlineOptions.ParseInt(Get("FAULTLINE_HEARTBEAT_CHECK_SECS"), "FAULTLINE_HEARTBEAT_CHECK_SECS", 30, min: 1),
            QueueWarn = FaultlineOptions.ParseDouble(Get("FAULTLINE_QUEUE_WARN"), "FAULTLINE_QUEUE_WARN", 0.5, min: 0.0001),
            QueueCrit = FaultlineOptions.ParseDouble(Get("FAULTLINE_QUEUE_CRIT"), "FAULTLINE_QUEUE_CRIT", 0.9, min: 0.0001),
            SelfMonKey = Get("FAULTLINE_SELFMON_KEY"),
            ShutdownTimeoutSecs = FaultlineOptions.ParseInt(Get("FAULTLINE_SHUTDOWN_TIMEOUT_SECS"), "FAULTLINE_SHUTDOWN_TIMEOUT_SECS", 45, min: 1),
        };
        return o;
    }

    /// <summary>A threshold as an event count: values ≤ 1 are fractions of <paramref name="capacity"/>.</summary>
    public static long Threshold(double value, int capacity) =>
        value <= 1 ? (long)Math.Ceiling(value * capacity) : (long)value;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"uptime every {UptimeIntervalSecs}s (timeout {UptimeTimeoutSecs}s, {UptimeConcurrency} at once), queue warn {QueueWarn} crit {QueueCrit}");
}
