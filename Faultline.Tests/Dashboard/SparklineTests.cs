using System.Globalization;
using AngleSharp.Dom;
using Faultline.Web.Components.Ui;

namespace Faultline.Tests.Dashboard;

public class SparklineTests : IAsyncLifetime
{
    private readonly ComponentRenderer _r = new();
    public Task InitializeAsync() => Task.CompletedTask;
    public Task DisposeAsync() => _r.DisposeAsync().AsTask();

    private Task<Rendered> Render(IReadOnlyList<long>? counts, string label = "Events") =>
        _r.RenderAsync<Sparkline>(new Dictionary<string, object?>
        {
            ["Counts"] = counts, ["Width"] = 100, ["Height"] = 20, ["Label"] = label,
        });

    private static (double X, double Y)[] Points(Rendered rendered) =>
        rendered.Find("polyline").GetAttribute("points")!
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split(','))
            .Select(p => (double.Parse(p[0], CultureInfo.InvariantCulture), double.Parse(p[1], CultureInfo.InvariantCulture)))
            .ToArray();

    [Fact]
    public async Task NullOrEmptyDrawsABaselineAndSaysNoData()
    {
        foreach (var counts in new[] { null, Array.Empty<long>() })
        {
            var rendered = await Render(counts);
            Assert.Empty(rendered.FindAll("polyline"));
            Assert.Single(rendered.FindAll("line"));
            Assert.Equal("Events: no data", rendered.Find("svg > title").TextContent);
            Assert.Contains("spark--flat", rendered.Find("svg").ClassList);
        }
    }

    [Fact]
    public async Task AllZerosLieOnTheBaseline()
    {
        var rendered = await Render(new long[24]);
        var points = Points(rendered);
        Assert.Equal(24, points.Length);
        Assert.All(points, p => Assert.Equal(17.5, p.Y));
        Assert.Equal("Events: no events", rendered.Find("svg > title").TextContent);
    }

    [Fact]
    public async Task HugeValuesScaleWithoutOverflowOrScientificNotation()
    {
        var rendered = await Render([long.MaxValue, 0, long.MaxValue / 2, long.MaxValue]);
        var points = Points(rendered);
        Assert.Equal([2.5, 17.5, 10, 2.5], points.Select(p => p.Y));
        Assert.Equal([0, 33.33, 66.67, 100], points.Select(p => p.X));
        Assert.DoesNotMatch("[eE]|NaN|Infinity", rendered.Find("polyline").GetAttribute("points")!);
        Assert.DoesNotMatch("[eE]|NaN|Infinity", rendered.Find("path").GetAttribute("d")!.Replace("M", "").Replace("L", "").Replace("Z", ""));
        Assert.Contains("23,058,430,092,136,939,517 total", rendered.Find("svg > title").TextContent);
    }

    [Fact]
    public async Task PeakTouchesTheTopAndNegativesCountAsZero()
    {
        var rendered = await Render([-5, 3, 6]);
        var points = Points(rendered);
        Assert.Equal([17.5, 10, 2.5], points.Select(p => p.Y));
        Assert.Equal("Events: 9 total, peak 6", rendered.Find("svg > title").TextContent);
        var last = rendered.Find("circle.spark__last");
        Assert.Equal("100", last.GetAttribute("cx"));
        Assert.Equal("2.5", last.GetAttribute("cy"));
    }

    [Fact]
    public async Task OneBucketDrawsALevelLineAcross()
    {
        var points = Points(await Render([7]));
        Assert.Equal([(0d, 2.5d), (100d, 2.5d)], points);
    }

    [Theory]
    [MemberData(nameof(Hostile.All), MemberType = typeof(Hostile))]
    public async Task LabelIsTextInTheAccessibleTitle(string hostile)
    {
        var rendered = await Render([1, 2], hostile);
        Hostile.AssertInert(rendered.Dom);
        Assert.Equal($"{hostile}: 3 total, peak 2", rendered.Find("svg > title").TextContent);
        Assert.Equal("img", rendered.Find("svg").GetAttribute("role"));
    }

    [Fact]
    public async Task CoordinatesUseInvariantCultureWhateverTheThreadCulture()
    {
        var previous = CultureInfo.CurrentCulture;
        // A culture with a decimal comma (built by hand: the app runs with invariant globalization).
        var comma = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        comma.NumberFormat.NumberDecimalSeparator = ",";
        comma.NumberFormat.NumberGroupSeparator = ".";
        CultureInfo.CurrentCulture = comma;
        try
        {
            var rendered = await Render([1, 2, 3]);
            Assert.Equal([(0d, 12.5d), (50d, 7.5d), (100d, 2.5d)], Points(rendered));
            Assert.Equal("Events: 6 total, peak 3", rendered.Find("svg > title").TextContent);
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }
}
