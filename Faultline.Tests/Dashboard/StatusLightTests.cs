using Faultline.Web.Components.Ui;

namespace Faultline.Tests.Dashboard;

public class StatusLightTests : IAsyncLifetime
{
    private readonly ComponentRenderer _r = new();
    public Task InitializeAsync() => Task.CompletedTask;
    public Task DisposeAsync() => _r.DisposeAsync().AsTask();

    [Theory]
    [InlineData(HealthStatus.Green, "light--green", "Healthy")]
    [InlineData(HealthStatus.Yellow, "light--yellow", "Active errors")]
    [InlineData(HealthStatus.Red, "light--red", "Critical")]
    public async Task TooltipShowsTheWholeRuleWithTheCurrentStateMarked(HealthStatus status, string css, string label)
    {
        var rendered = await _r.RenderAsync<StatusLight>(new Dictionary<string, object?> { ["Value"] = status });
        var light = rendered.Find(".light");
        Assert.Contains(css, light.ClassList);
        Assert.Equal(label, light.GetAttribute("aria-label"));
        Assert.Equal("0", light.GetAttribute("tabindex")); // focusable, so keyboard users get the tooltip

        var tooltip = rendered.Find("[role=tooltip]");
        Assert.Equal(tooltip.Id, light.GetAttribute("aria-describedby"));
        Assert.Equal(3, tooltip.QuerySelectorAll(".tooltip__rule").Length);
        Assert.Equal(StatusLight.Rule(status), tooltip.QuerySelector(".is-current")!.TextContent.Trim());
    }

    [Fact]
    public void RulesMatchTheOverviewDefinition()
    {
        Assert.Contains("no active errors in the last 24 h", StatusLight.Rule(HealthStatus.Green));
        Assert.Contains("heartbeat is missing", StatusLight.Rule(HealthStatus.Red));
        Assert.Contains("fatal or rupture", StatusLight.Rule(HealthStatus.Red));
    }

    [Theory]
    [MemberData(nameof(Hostile.All), MemberType = typeof(Hostile))]
    public async Task ReasonIsText(string hostile)
    {
        var rendered = await _r.RenderAsync<StatusLight>(new Dictionary<string, object?>
        {
            ["Value"] = HealthStatus.Yellow, ["Reason"] = hostile, ["ShowLabel"] = true,
        });
        Hostile.AssertShownAsText(rendered, hostile);
        Assert.Equal($"Active errors: {hostile}", rendered.Find(".light").GetAttribute("aria-label"));
    }

    [Fact]
    public async Task TwoLightsOnOnePageHaveDistinctTooltipIds()
    {
        var a = await _r.RenderAsync<StatusLight>(new Dictionary<string, object?> { ["Value"] = HealthStatus.Red });
        var b = await _r.RenderAsync<StatusLight>(new Dictionary<string, object?> { ["Value"] = HealthStatus.Red });
        Assert.NotEqual(a.Find("[role=tooltip]").Id, b.Find("[role=tooltip]").Id);
    }
}
