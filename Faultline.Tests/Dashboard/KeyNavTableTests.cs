using Faultline.Web.Components.Ui;
using Microsoft.AspNetCore.Components;

namespace Faultline.Tests.Dashboard;

public class KeyNavTableTests : IAsyncLifetime
{
    private sealed record Item(int Id, string Title);

    private readonly ComponentRenderer _r = new();
    public Task InitializeAsync() => Task.CompletedTask;
    public Task DisposeAsync() => _r.DisposeAsync().AsTask();

    private Task<Rendered> Render(IReadOnlyList<Item>? items) =>
        _r.RenderAsync<KeyNavTable<Item>>(new Dictionary<string, object?>
        {
            ["Items"] = items,
            ["Columns"] = 2,
            ["Caption"] = "Issues",
            ["Header"] = (RenderFragment)(b => { b.OpenElement(0, "th"); b.AddContent(1, "Title"); b.CloseElement(); }),
            ["Row"] = (RenderFragment<Item>)(item => b =>
            {
                b.OpenElement(0, "td"); b.AddContent(1, item.Id); b.CloseElement();
                b.OpenElement(2, "td"); b.AddContent(3, item.Title); b.CloseElement();
            }),
            ["Empty"] = ComponentRenderer.Text("No issues match."),
            ["Key"] = (Func<Item, object?>)(i => i.Id),
        });

    [Fact]
    public async Task EmptyListShowsTheEmptyRowAcrossAllColumns()
    {
        foreach (var items in new[] { null, Array.Empty<Item>() })
        {
            var r = await Render(items);
            Assert.Empty(r.FindAll("tr[data-row]"));
            var cell = r.Find("tr.table__empty td");
            Assert.Equal("2", cell.GetAttribute("colspan"));
            Assert.Equal("No issues match.", cell.TextContent);
        }
    }

    [Fact]
    public async Task RowsHaveARovingTabindexSoTabEntersOnce()
    {
        var r = await Render([new(1, "a"), new(2, "b"), new(3, "c")]);
        Assert.Equal(["0", "-1", "-1"], r.FindAll("tr[data-row]").Select(row => row.GetAttribute("tabindex")));
        Assert.NotNull(r.Dom.QuerySelector("table[data-keynav]"));
        Assert.Contains("j/k", r.Find("caption").TextContent);
    }

    [Theory]
    [MemberData(nameof(Hostile.All), MemberType = typeof(Hostile))]
    public async Task CellsAreText(string hostile)
    {
        var r = await Render([new(1, hostile)]);
        Hostile.AssertShownAsText(r, hostile);
        Assert.Equal(hostile, r.FindAll("tr[data-row] td")[1].TextContent);
    }
}
