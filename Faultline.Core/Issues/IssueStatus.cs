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
