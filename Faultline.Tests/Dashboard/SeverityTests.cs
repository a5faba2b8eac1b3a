using Faultline.Web.Components.Ui;

namespace Faultline.Tests.Dashboard;

public class SeverityTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = ComponentRenderer.DefaultNow;
    private readonly ComponentRenderer _r = new();
    public Task InitializeAsync() => Task.CompletedTask;
    public Task DisposeAsync() => _r.DisposeAsync().AsTask();

    [Theory]
    // lastSeenHoursAgo, eventsLastHour, fatal, regressed, expected
    [InlineData(24.0, 5000, true, true, Severity.Dormant)]     // dormant is checked first
    [InlineData(23.9, 0, true, false, Severity.Rupture)]       // a fatal event in the last day
    [InlineData(0.1, 100, false, false, Severity.Rupture)]     // rupture threshold, inclusive
    [InlineData(0.1, 99, false, true, Severity.Aftershock)]    // regression below rupture
    [InlineData(0.1, 500, false, true, Severity.Rupture)]      // rupture beats aftershock
    [InlineData(0.1, 10, false, false, Severity.Quake)]        // quake threshold, inclusive
    [InlineData(0.1, 99, false, false, Severity.Quake)]
    [InlineData(0.1, 9, false, false, Severity.Tremor)]
    [InlineData(2, 0, false, false, Severity.Tremor)]
    public void ClassifyFollowsTheRulesInOrder(double lastSeenHoursAgo, long eventsLastHour, bool fatal, bool regressed, Severity expected)
    {
        var actual = SeverityRules.Default.Classify(Now.AddHours(-lastSeenHoursAgo), eventsLastHour, fatal, regressed, Now);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void TheScaleIsOrderedMostSevereFirstAndSortsByEnumValue()
    {
        Assert.Equal(SeverityRules.Scale, SeverityRules.Scale.OrderByDescending(s => (int)s));
        Assert.Equal(Enum.GetValues<Severity>().Length, SeverityRules.Scale.Count);
    }

    [Fact]
    public async Task LegendExplainsEverySeverityWithTheConfiguredThresholds()
    {
        var rules = new SeverityRules(QuakeEventsPerHour: 25, RuptureEventsPerHour: 1000, DormantAfterHours: 48);
        var rendered = await _r.RenderAsync<SeverityLegend>(new Dictionary<string, object?> { ["Rules"] = rules });
        var rows = rendered.FindAll(".legend__row");
        Assert.Equal(["Rupture", "Aftershock", "Quake", "Tremor", "Dormant"], rows.Select(r => r.QuerySelector(".sev__name")!.TextContent));
        Assert.Contains("1,000 events", rows[0].QuerySelector("dd")!.TextContent);
        Assert.Contains("25–999 events", rows[2].QuerySelector("dd")!.TextContent);
        Assert.Contains("fewer than 25", rows[3].QuerySelector("dd")!.TextContent);
        Assert.Contains("48 h", rows[4].QuerySelector("dd")!.TextContent);
        // The legend's section is named by its heading.
        var section = rendered.Find("section.legend");
        Assert.Equal(rendered.Find(".legend__title").Id, section.GetAttribute("aria-labelledby"));
    }

    [Theory]
    [InlineData(Severity.Rupture, "sev--rupture", "Rupture")]
    [InlineData(Severity.Dormant, "sev--dormant", "Dormant")]
    public async Task BadgeShowsNameClassAndRuleInTitle(Severity severity, string css, string name)
    {
        var rendered = await _r.RenderAsync<SeverityBadge>(new Dictionary<string, object?> { ["Value"] = severity });
        var badge = rendered.Find(".sev");
        Assert.Contains(css, badge.ClassList);
        Assert.Equal(name, badge.QuerySelector(".sev__name")!.TextContent);
        Assert.Equal(SeverityRules.Default.Describe(severity), badge.GetAttribute("title"));
        Assert.Equal("true", badge.QuerySelector("svg")!.GetAttribute("aria-hidden"));
    }
}
