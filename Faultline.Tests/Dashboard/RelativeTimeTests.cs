using Faultline.Web.Components.Ui;

namespace Faultline.Tests.Dashboard;

public class RelativeTimeTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = ComponentRenderer.DefaultNow;
    private readonly ComponentRenderer _r = new();
    public Task InitializeAsync() => Task.CompletedTask;
    public Task DisposeAsync() => _r.DisposeAsync().AsTask();

    [Theory]
    [InlineData(0, "just now")]
    [InlineData(44, "just now")]
    [InlineData(45, "1 min ago")]
    [InlineData(3 * 60 + 59, "3 min ago")]
    [InlineData(59 * 60 + 59, "59 min ago")]
    [InlineData(60 * 60, "1 h ago")]
    [InlineData(23 * 3600 + 3599, "23 h ago")]
    [InlineData(86400 * 2, "2 d ago")]
    [InlineData(86400 * 59, "59 d ago")]
    [InlineData(86400 * 90, "2 mo ago")]
    [InlineData(86400 * 800, "2 y ago")]
    [InlineData(-300, "in 5 min")]
    [InlineData(-20, "just now")]
    public void FormatsShortEnglish(int secondsAgo, string expected) =>
        Assert.Equal(expected, RelativeTime.Format(Now.AddSeconds(-secondsAgo), Now));

    [Fact]
    public async Task RendersTimeWithIsoDatetimeAndUtcTitleUsingTheInjectedClock()
    {
        var value = new DateTimeOffset(2026, 11, 22, 13, 57, 0, TimeSpan.FromHours(2)); // 11:57 UTC
        var rendered = await _r.RenderAsync<RelativeTime>(new Dictionary<string, object?> { ["Value"] = value });
        var time = rendered.Find("time.reltime");
        Assert.Equal("3 min ago", time.TextContent);
        Assert.Equal("2026-11-22T11:57:00Z", time.GetAttribute("datetime"));
        Assert.Equal("2026-11-22 11:57:00 UTC", time.GetAttribute("title"));
    }

    [Fact]
    public async Task NullRendersNeverWithoutATimeElement()
    {
        var rendered = await _r.RenderAsync<RelativeTime>(new Dictionary<string, object?> { ["Value"] = null, ["NullText"] = "no heartbeat" });
        Assert.Empty(rendered.FindAll("time"));
        Assert.Equal("no heartbeat", rendered.Find(".reltime--never").TextContent);
    }
}
