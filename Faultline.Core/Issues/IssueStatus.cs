namespace Faultline.Core.Issues;

/// <summary>Issue statuses used everywhere (API, dashboard, Gas Town loop).</summary>
public static class IssueStatus
{
    public const string Active = "active";
    public const string Fixing = "fixing";
    public const string Stabilizing = "stabilizing";
    public const string Resolved = "resolved";
    public const string Ignored = "ignored";

    public static readonly IReadOnlyList<string> All = [Active, Fixing, Stabilizing, Resolved, Ignored];
    public static bool IsValid(string? s) => s != null && All.Contains(s);
}

/// <summary>
/// The geological severity scale. Defined once here so the API, dashboard legend and the
/// bead priority agree:
/// rupture = a fatal event was seen, or ≥ 100 events in the last hour;
/// quake = the burst threshold was crossed (≥ 3 error/fatal events within 5 minutes);
/// aftershock = came back after being resolved (a regression);
/// dormant = no events for 24 hours;
/// tremor = anything else (low volume).
/// </summary>
public static class Severity
{
    public const string Tremor = "tremor";
    public const string Quake = "quake";
    public const string Rupture = "rupture";
    public const string Aftershock = "aftershock";
    public const string Dormant = "dormant";

    public static readonly IReadOnlyList<string> All = [Rupture, Aftershock, Quake, Tremor, Dormant];

    /// <summary>Events of one issue within the current hour that make it a rupture.</summary>
    public const int RuptureEventsPerHour = 100;
    /// <summary>Error/fatal events of one issue within <see cref="QuakeBurstWindowMinutes"/> that make it a quake.</summary>
    public const int QuakeBurstEvents = 3;
    public const int QuakeBurstWindowMinutes = 5;
    /// <summary>Hours without events after which an issue reads as dormant (derived on read).</summary>
    public const int DormantAfterHours = 24;

    public static bool IsKnown(string? s) => s is not null && All.Contains(s);

    /// <summary>Display name ("Rupture"); anything unknown reads "Unknown".</summary>
    public static string Name(string? s) => IsKnown(s) ? char.ToUpperInvariant(s![0]) + s[1..] : "Unknown";

    /// <summary>
    /// The rule in words, built from the same constants the writer classifies with, so the
    /// dashboard legend, tooltips and the API can never drift from the definition above.
    /// </summary>
    public static string Describe(string? s) => s switch
    {
        Rupture => $"A fatal event was seen, or at least {RuptureEventsPerHour} events in the last hour.",
        Aftershock => "Came back after being resolved (a regression).",
        Quake => $"Burst threshold crossed: at least {QuakeBurstEvents} error or fatal events within {QuakeBurstWindowMinutes} minutes.",
        Tremor => "Anything else: low volume.",
        Dormant => $"No events for {DormantAfterHours} hours.",
        _ => "Unknown severity.",
    };

    /// <summary>Sort rank: higher is more severe.</summary>
    public static int Rank(string s) => s switch
    {
        Rupture => 5, Aftershock => 4, Quake => 3, Tremor => 2, _ => 1,
    };
}

public static class Levels
{
    /// <summary>fatal 5 > error 4 > warning 3 > info 2 > debug 1.</summary>
    public static int Rank(string? level) => level switch
    {
        "fatal" => 5, "error" => 4, "warning" => 3, "info" => 2, "debug" => 1, _ => 0,
    };
}
