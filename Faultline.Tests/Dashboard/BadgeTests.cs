using Faultline.Web.Components.Ui;

namespace Faultline.Tests.Dashboard;

public class BadgeTests : IAsyncLifetime
{
    private readonly ComponentRenderer _r = new();
    public Task InitializeAsync() => Task.CompletedTask;
    public Task DisposeAsync() => _r.DisposeAsync().AsTask();

    [Theory]
    [MemberData(nameof(Hostile.All), MemberType = typeof(Hostile))]
    public async Task BadgeTextIsRenderedAsText(string hostile)
    {
        var rendered = await _r.RenderAsync<Badge>(new Dictionary<string, object?> { ["Text"] = hostile, ["Title"] = hostile });
        Hostile.AssertShownAsText(rendered, hostile);
        Assert.Equal(hostile, rendered.Find(".badge").GetAttribute("title"));
    }

    [Fact]
    public async Task ToneBecomesTheModifierClassAndTitleIsOmittedWhenNull()
    {
        var rendered = await _r.RenderAsync<Badge>(new Dictionary<string, object?> { ["Text"] = "resolved", ["Tone"] = Badge.BadgeTone.Success });
        var badge = rendered.Find(".badge");
        Assert.Contains("badge--success", badge.ClassList);
        Assert.False(badge.HasAttribute("title"));
    }

    [Fact]
    public async Task ChildContentWinsOverText()
    {
        var rendered = await _r.RenderAsync<Badge>(new Dictionary<string, object?>
        {
            ["Text"] = "ignored",
            ["ChildContent"] = ComponentRenderer.Text("child"),
        });
        Assert.Equal("child", rendered.Find(".badge").TextContent);
    }

    [Theory]
    [InlineData("fatal", "fatal")]
    [InlineData("FATAL", "fatal")]
    [InlineData("error", "error")]
    [InlineData("warning", "warning")]
    [InlineData("warn", "warning")]
    [InlineData("info", "info")]
    [InlineData("debug", "debug")]
    [InlineData("error onerror=alert(1)", "other")]
    [InlineData("", "other")]
    [InlineData(null, "other")]
    public void OnlyKnownWordsReachTheClassAttribute(string? level, string expected) =>
        Assert.Equal(expected, LevelBadge.KindOf(level));

    [Theory]
    [MemberData(nameof(Hostile.All), MemberType = typeof(Hostile))]
    public async Task UnknownLevelIsShownAsGivenInTheNeutralStyle(string hostile)
    {
        var rendered = await _r.RenderAsync<LevelBadge>(new Dictionary<string, object?> { ["Level"] = hostile });
        Hostile.AssertInert(rendered.Dom);
        var badge = rendered.Find(".level");
        Assert.Equal(["level", "level--other"], badge.ClassList.ToArray());
        Assert.Equal(hostile.Trim(), badge.GetAttribute("title"));
    }

    [Fact]
    public async Task LongLevelIsShortenedWithTheFullValueInTheTitle()
    {
        var level = new string('x', 200);
        var rendered = await _r.RenderAsync<LevelBadge>(new Dictionary<string, object?> { ["Level"] = level });
        var badge = rendered.Find(".level");
        Assert.Equal(16, badge.TextContent.Length);
        Assert.EndsWith("…", badge.TextContent);
        Assert.Equal(level, badge.GetAttribute("title"));
    }

    [Fact]
    public async Task MissingLevelSaysSo()
    {
        var rendered = await _r.RenderAsync<LevelBadge>(new Dictionary<string, object?> { ["Level"] = null });
        Assert.Equal("no level", rendered.Find(".level").TextContent);
    }
}
