namespace Faultline.Web.Components.Ui;

/// <summary>
/// The geological severity scale of an issue. Values are ordered by how much attention the
/// issue needs, so sorting by the enum sorts by severity (Rupture first when descending).
/// </summary>
public enum Severity
{
    Dormant = 0,
    Tremor = 1,
    Quake = 2,
    Aftershock = 3,
    Rupture = 4,
}

/// <summary>
/// The one definition of the scale: <see cref="Classify"/> decides, <see cref="Describe"/>
/// explains the same thresholds in words (the legend and tooltips use it), so the two can
/// never disagree. Thresholds are per-hour event counts for the issue.
/// </summary>
public sealed record SeverityRules(
    long QuakeEventsPerHour = 10,
    long RuptureEventsPerHour = 100,
    int DormantAfterHours = 24)
{
    public static SeverityRules Default { get; } = new();

    /// <summary>Checked in this order; the first rule that matches wins.</summary>
    /// <param name="lastSeen">Time of the newest event.</param>
    /// <param name="eventsLastHour">Events of this issue in the hour before <paramref name="now"/>.</param>
    /// <param name="fatalLastDay">Whether any event of the issue in the last 24 h had level fatal.</param>
    /// <param name="regressed">Whether the issue came back after being resolved.</param>
    public Severity Classify(DateTimeOffset lastSeen, long eventsLastHour, bool fatalLastDay, bool regressed, DateTimeOffset now)
    {
        if (now - lastSeen >= TimeSpan.FromHours(DormantAfterHours)) return Severity.Dormant;
        if (fatalLastDay || eventsLastHour >= RuptureEventsPerHour) return Severity.Rupture;
        if (regressed) return Severity.Aftershock;
        if (eventsLastHour >= QuakeEventsPerHour) return Severity.Quake;
        return Severity.Tremor;
    }

    public string Describe(Severity severity) => severity switch
    {
        Severity.Rupture => $"A fatal event in the last 24 h, or at least {RuptureEventsPerHour:N0} events in the last hour.",
        Severity.Aftershock => "Came back after being resolved (a regression), and not a rupture.",
        Severity.Quake => $"Burst: {QuakeEventsPerHour:N0}–{RuptureEventsPerHour - 1:N0} events in the last hour.",
        Severity.Tremor => $"Active but quiet: fewer than {QuakeEventsPerHour:N0} events in the last hour.",
        Severity.Dormant => $"No events for {DormantAfterHours} h or more.",
        _ => "Unknown severity.",
    };

    public static string Name(Severity severity) => severity switch
    {
        Severity.Rupture => "Rupture",
        Severity.Aftershock => "Aftershock",
        Severity.Quake => "Quake",
        Severity.Tremor => "Tremor",
        Severity.Dormant => "Dormant",
        _ => "Unknown",
    };

    /// <summary>Most severe first: the order of the legend.</summary>
    public static IReadOnlyList<Severity> Scale { get; } =
        [Severity.Rupture, Severity.Aftershock, Severity.Quake, Severity.Tremor, Severity.Dormant];
}
