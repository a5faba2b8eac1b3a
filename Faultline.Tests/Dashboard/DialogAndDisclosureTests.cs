using Faultline.Web.Components.Ui;

namespace Faultline.Tests.Dashboard;

/// <summary>Dialog, Collapsible, CopyButton and EmptyState: the containers of the kit.</summary>
public class DialogAndDisclosureTests : IAsyncLifetime
{
    private readonly ComponentRenderer _r = new();
    public Task InitializeAsync() => Task.CompletedTask;
    public Task DisposeAsync() => _r.DisposeAsync().AsTask();

    [Fact]
    public async Task ClosedDialogRendersAnEmptyNativeDialog()
    {
        var rendered = await _r.RenderAsync<Dialog>(new Dictionary<string, object?>
        {
            ["Open"] = false, ["Title"] = "Resolve?", ["ChildContent"] = ComponentRenderer.Text("body"),
        });
        var dialog = rendered.Find("dialog.dialog");
        Assert.False(dialog.HasAttribute("open")); // showModal() opens it, never the attribute
        Assert.Empty(dialog.Children);
        Assert.Empty(_r.Js.Calls); // static rendering never calls into the browser
    }

    [Theory]
    [MemberData(nameof(Hostile.All), MemberType = typeof(Hostile))]
    public async Task OpenDialogIsLabelledByItsTitleAndShowsContentAsText(string hostile)
    {
        var rendered = await _r.RenderAsync<Dialog>(new Dictionary<string, object?>
        {
            ["Open"] = true, ["Title"] = hostile, ["ChildContent"] = ComponentRenderer.Text(hostile),
            ["Footer"] = ComponentRenderer.Text("footer"),
        });
        Hostile.AssertInert(rendered.Dom);
        var title = rendered.Find(".dialog__title");
        Assert.Equal(hostile, title.TextContent);
        Assert.Equal(title.Id, rendered.Find("dialog").GetAttribute("aria-labelledby"));
        Assert.Equal(hostile, rendered.Find(".dialog__body").TextContent);
        Assert.Equal("Close", rendered.Find(".dialog__head button").GetAttribute("aria-label"));
        Assert.Equal("footer", rendered.Find(".dialog__foot").TextContent);
    }

    [Fact]
    public async Task DialogWithoutFooterHasNoEmptyFooter()
    {
        var rendered = await _r.RenderAsync<Dialog>(new Dictionary<string, object?> { ["Open"] = true, ["Title"] = "t" });
        Assert.Empty(rendered.FindAll(".dialog__foot"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task CollapsibleUsesDetailsAndHonoursOpen(bool open)
    {
        var rendered = await _r.RenderAsync<Collapsible>(new Dictionary<string, object?>
        {
            ["Title"] = Hostile.ScriptTag, ["Open"] = open, ["Class"] = "frame frame--in-app",
            ["ChildContent"] = ComponentRenderer.Text(Hostile.ImgTag),
        });
        var details = rendered.Find("details.collapsible");
        Assert.Equal(open, details.HasAttribute("open"));
        Assert.Contains("frame--in-app", details.ClassList);
        Assert.Equal(Hostile.ScriptTag, rendered.Find("summary").TextContent.Trim());
        Hostile.AssertShownAsText(rendered, Hostile.ImgTag);
    }

    [Theory]
    [MemberData(nameof(Hostile.All), MemberType = typeof(Hostile))]
    public async Task CopyButtonCarriesTheExactTextInAnAttribute(string hostile)
    {
        var rendered = await _r.RenderAsync<CopyButton>(new Dictionary<string, object?> { ["Text"] = hostile, ["What"] = "DSN" });
        Hostile.AssertInert(rendered.Dom);
        var button = rendered.Find("button.copy-btn");
        Assert.Equal(hostile, button.GetAttribute("data-copy"));
        Assert.Equal("button", button.GetAttribute("type")); // never submits a surrounding form
        Assert.Equal("Copy DSN", button.GetAttribute("aria-label"));
        Assert.Equal("polite", rendered.Find(".copy-btn__done").GetAttribute("aria-live"));
    }

    [Theory]
    [InlineData(1, "h1")]
    [InlineData(2, "h2")]
    [InlineData(3, "h3")]
    [InlineData(7, "h2")]
    public async Task EmptyStateHeadingLevel(int level, string tag)
    {
        var rendered = await _r.RenderAsync<EmptyState>(new Dictionary<string, object?> { ["Title"] = "Nothing", ["HeadingLevel"] = level });
        Assert.Equal("Nothing", rendered.Find(tag + ".empty__title").TextContent);
    }

    [Theory]
    [InlineData(EmptyState.IconKind.Calm)]
    [InlineData(EmptyState.IconKind.Search)]
    [InlineData(EmptyState.IconKind.Fault)]
    public async Task EmptyStateArtIsDecorativeAndTextIsText(EmptyState.IconKind icon)
    {
        var rendered = await _r.RenderAsync<EmptyState>(new Dictionary<string, object?>
        {
            ["Title"] = Hostile.AttributeBreakout, ["Icon"] = icon, ["ChildContent"] = ComponentRenderer.Text(Hostile.NonAscii),
        });
        Hostile.AssertShownAsText(rendered, Hostile.AttributeBreakout);
        Assert.Contains(Hostile.NonAscii, rendered.Find(".empty__body").TextContent);
        Assert.Equal("true", rendered.Find("svg.empty__art").GetAttribute("aria-hidden"));
        Assert.NotEmpty(rendered.Find("svg.empty__art").Children);
    }
}
