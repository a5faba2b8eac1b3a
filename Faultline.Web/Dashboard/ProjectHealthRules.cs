using Faultline.Core.Ops;
using Faultline.Core.Storage;
using Faultline.Web.Components.Ui;

namespace Faultline.Web.Dashboard;

/// <summary>
/// The overview's traffic light, exactly as <see cref="StatusLight.Rule"/> words it:
/// red = a fatal/rupture issue is active or the heartbeat is missing; yellow = active errors
/// in 24 h; green = none. "Heartbeat missing" has ONE definition, <see cref="HeartbeatMonitor"/>'s
/// (no ping within the project's expected interval: its setting, else 3 × the median gap of its
/// recent pings): the light reads the monitor's recorded verdict, i.e. the latest
/// <c>heartbeat_down</c>/<c>heartbeat_recovered</c> ops event, and never re-derives it.
/// </summary>
public static class ProjectHealthRules
{
    public static (HealthStatus Status, string Reason) Evaluate(ProjectHealth health, OpsEvent? latestHeartbeatEvent)
    {
        var heartbeat = HeartbeatProblem(latestHeartbeatEvent);
        if (health.CriticalLastDay > 0)
            return (HealthStatus.Red, Plural(health.CriticalLastDay, "fatal or rupture issue", "fatal or rupture issues") + " active"
                + (heartbeat is null ? "" : "; " + heartbeat));
        if (heartbeat is not null) return (HealthStatus.Red, heartbeat);
        if (health.ActiveLastDay > 0)
            return (HealthStatus.Yellow, Plural(health.ActiveLastDay, "active issue", "active issues") + " in the last 24 h");
        return (HealthStatus.Green, "No active errors in the last 24 h");
    }

    /// <summary>A sentence when the heartbeat monitor's latest verdict is "down"; null otherwise.</summary>
    public static string? HeartbeatProblem(OpsEvent? latestHeartbeatEvent) =>
        latestHeartbeatEvent is { Kind: OpsEventKinds.HeartbeatDown } e
            ? "Heartbeat missing: " + (string.IsNullOrWhiteSpace(e.Detail) ? "the heartbeat monitor reports this project down" : e.Detail)
            : null;

    private static string Plural(long n, string one, string many) =>
        $"{n.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} {(n == 1 ? one : many)}";
}
