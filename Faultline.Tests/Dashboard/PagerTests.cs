using Faultline.Web.Components.Ui;

namespace Faultline.Tests.Dashboard;

public class PagerTests : IAsyncLifetime
{
    private readonly ComponentRenderer _r = new();
    public Task InitializeAsync() => Task.CompletedTask;
    public Task DisposeAsync() => _r.DisposeAsync().AsTask();

    private Task<Rendered> Render(int page, int size, long total) =>
        _r.RenderAsync<Pager>(new Dictionary<string, object?> { ["Page"] = page, ["PageSize"] = size, ["TotalCount"] = total });

    private static (bool Prev, bool Next) Disabled(Rendered r)
    {
        var buttons = r.FindAll(".pager__controls button");
        return (buttons[0].HasAttribute("disabled"), buttons[1].HasAttribute("disabled"));
    }

    [Fact]
    public async Task NoResults()
    {
        var r = await Render(1, 50, 0);
        Assert.Equal("No results", r.Find(".pager__summary").TextContent.Trim());
        Assert.Equal("Page 1 of 1", r.Find(".pager__page").TextContent);
        Assert.Equal((true, true), Disabled(r));
    }

    [Fact]
    public async Task FirstPageOfManyWithThousandsSeparators()
    {
        var r = await Render(1, 50, 10_000);
        Assert.Equal("1–50 of 10,000", r.Find(".pager__summary").TextContent.Trim());
        Assert.Equal("Page 1 of 200", r.Find(".pager__page").TextContent);
        Assert.Equal((true, false), Disabled(r));
    }

    [Fact]
    public async Task PartialLastPage()
    {
        var r = await Render(3, 50, 120);
        Assert.Equal("101–120 of 120", r.Find(".pager__summary").TextContent.Trim());
        Assert.Equal((false, true), Disabled(r));
    }

    [Theory]
    [InlineData(99, "101–120 of 120", "Page 3 of 3")]  // stale page after a filter shrank the list
    [InlineData(0, "1–50 of 120", "Page 1 of 3")]
    [InlineData(-4, "1–50 of 120", "Page 1 of 3")]
    public async Task OutOfRangePagesAreClamped(int page, string summary, string pageText)
    {
        var r = await Render(page, 50, 120);
        Assert.Equal(summary, r.Find(".pager__summary").TextContent.Trim());
        Assert.Equal(pageText, r.Find(".pager__page").TextContent);
    }

    [Fact]
    public async Task ZeroPageSizeDoesNotDivideByZero()
    {
        var r = await Render(1, 0, 3);
        Assert.Equal("1–1 of 3", r.Find(".pager__summary").TextContent.Trim());
    }
}
