using Faultline.Core.Issues;
using Faultline.Core.Storage;
using Faultline.Web.Components.Ui;

namespace Faultline.Web.Dashboard;

/// <summary>
/// The overview's traffic light, exactly as <see cref="StatusLight.Rule"/> words it:
/// red = a fatal/rupture issue is active or the heartbeat is missing; yellow = active errors
/// in 24 h; green = none. A heartbeat counts as missing when the project has an interval set
/// and no heartbeat arrived within two intervals (one late beat is not an outage).
/// </summary>
public static class ProjectHealthRules
{
    public const int MissedBeatsBeforeMissing = 2;

    public static (HealthStatus Status, string Reason) Evaluate(Project project, ProjectHealth health, DateTimeOffset now)
    {
        var heartbeat = HeartbeatProblem(project, now);
        if (health.CriticalLastDay > 0)
            return (HealthStatus.Red, Plural(health.CriticalLastDay, "fatal or rupture issue", "fatal or rupture issues") + " active"
                + (heartbeat is null ? "" : "; " + heartbeat));
        if (heartbeat is not null) return (HealthStatus.Red, heartbeat);
        if (health.ActiveLastDay > 0)
            return (HealthStatus.Yellow, Plural(health.ActiveLastDay, "active issue", "active issues") + " in the last 24 h");
        return (HealthStatus.Green, "No active errors in the last 24 h");
    }

    /// <summary>A sentence when the heartbeat is overdue; null when fine or not monitored.</summary>
    public static string? HeartbeatProblem(Project project, DateTimeOffset now)
    {
        if (project.HeartbeatIntervalSecs is not { } interval || interval <= 0) return null;
        if (project.LastHeartbeatAt is not { } last) return $"Heartbeat missing: none received yet (expected every {interval} s)";
        var age = now - new DateTimeOffset(DateTime.SpecifyKind(last, DateTimeKind.Utc));
        if (age <= TimeSpan.FromSeconds((double)interval * MissedBeatsBeforeMissing)) return null;
        return $"Heartbeat missing: last one {RelativeTime.Format(now - age, now)} (expected every {interval} s)";
    }

    private static string Plural(long n, string one, string many) =>
        $"{n.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} {(n == 1 ? one : many)}";
}
