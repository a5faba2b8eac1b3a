using Faultline.Core.Issues;
using Faultline.Web.Components.Ui;

namespace Faultline.Tests.Dashboard;

/// <summary>The UI shows the stored severity and explains it with Core's one definition.</summary>
public class SeverityTests : IAsyncLifetime
{
    private readonly ComponentRenderer _r = new();
    public Task InitializeAsync() => Task.CompletedTask;
    public Task DisposeAsync() => _r.DisposeAsync().AsTask();

    [Fact]
    public async Task LegendListsTheCoreScaleWithCoreWordsExactly()
    {
        var rendered = await _r.RenderAsync<SeverityLegend>();
        var rows = rendered.FindAll(".legend__row");
        Assert.Equal(["Rupture", "Aftershock", "Quake", "Tremor", "Dormant"], rows.Select(r => r.QuerySelector(".sev__name")!.TextContent));
        for (var i = 0; i < Severity.All.Count; i++)
            Assert.Equal(Severity.Describe(Severity.All[i]), rows[i].QuerySelector("dd")!.TextContent);
        // The words carry the thresholds the writer uses.
        Assert.Contains($"{Severity.RuptureEventsPerHour} events in the last hour", Severity.Describe(Severity.Rupture));
        Assert.Contains($"{Severity.QuakeBurstEvents} error or fatal events within {Severity.QuakeBurstWindowMinutes} minutes", Severity.Describe(Severity.Quake));
        Assert.Contains($"{Severity.DormantAfterHours} hours", Severity.Describe(Severity.Dormant));
        var section = rendered.Find("section.legend");
        Assert.Equal(rendered.Find(".legend__title").Id, section.GetAttribute("aria-labelledby"));
    }

    [Theory]
    [InlineData("rupture", "sev--rupture", "Rupture")]
    [InlineData("aftershock", "sev--aftershock", "Aftershock")]
    [InlineData("dormant", "sev--dormant", "Dormant")]
    public async Task BadgeShowsNameClassAndRuleInTitle(string severity, string css, string name)
    {
        var rendered = await _r.RenderAsync<SeverityBadge>(new Dictionary<string, object?> { ["Value"] = severity });
        var badge = rendered.Find(".sev");
        Assert.Contains(css, badge.ClassList);
        Assert.Equal(name, badge.QuerySelector(".sev__name")!.TextContent);
        Assert.Equal(Severity.Describe(severity), badge.GetAttribute("title"));
        Assert.Equal("true", badge.QuerySelector("svg")!.GetAttribute("aria-hidden"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("\" onmouseover=\"alert(1)")]
    [InlineData("RUPTURE")]
    public async Task UnknownSeverityStaysOutOfTheClassAttribute(string? value)
    {
        var rendered = await _r.RenderAsync<SeverityBadge>(new Dictionary<string, object?> { ["Value"] = value });
        var badge = rendered.Find(".sev");
        Assert.Equal(["sev", "sev--unknown"], badge.ClassList.ToArray());
        Assert.Equal("Unknown", badge.QuerySelector(".sev__name")!.TextContent);
        Hostile.AssertInert(rendered.Dom);
    }
}
