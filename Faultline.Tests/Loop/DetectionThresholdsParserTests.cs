using Faultline.Core.Config;
using Faultline.Core.Loop;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Faultline.Tests.Loop;

public class DetectionThresholdsParserTests
{
    [Fact]
    public void ParsesPerProjectSettingsAndKeepsDefaultsForTheRest()
    {
        var t = DetectionThresholdsParser.Parse("1:burst=5/10m,fatal=2,slow_burn=2h; 7:burst=10/30s");
        Assert.Equal(5, t[1].BurstCount);
        Assert.Equal(TimeSpan.FromMinutes(10), t[1].BurstWindow);
        Assert.Equal(2, t[1].FatalCount);
        Assert.Equal(TimeSpan.FromHours(2), t[1].SlowBurnAfter);
        Assert.Equal(10, t[7].BurstCount);
        Assert.Equal(TimeSpan.FromSeconds(30), t[7].BurstWindow);
        Assert.Equal(DetectionThresholds.Default.SlowBurnAfter, t[7].SlowBurnAfter);
        Assert.Empty(DetectionThresholdsParser.Parse(null));
    }

    [Theory]
    [InlineData("burst=5/10m")]
    [InlineData("1:burst=5")]
    [InlineData("1:burst=0/10m")]
    [InlineData("1:slow_burn=10d")]
    [InlineData("1:noise=1")]
    [InlineData("1:fatal=1;1:fatal=2")]
    public void RejectsNonsenseNamingTheVariable(string value)
    {
        var ex = Assert.Throws<ConfigException>(() => DetectionThresholdsParser.Parse(value));
        Assert.StartsWith(DetectionThresholdsParser.Variable + ":", ex.Message);
    }

    [Fact]
    public void TheLoopsTrackerUsesTheConfiguredThresholds()
    {
        var dir = Directory.CreateTempSubdirectory("faultline-town-").FullName;
        var options = LoopOptions.FromVariables(name => name switch
        {
            "FAULTLINE_TOWN_ROOT" => dir,
            DetectionThresholdsParser.Variable => "1:burst=5/10m",
            _ => null,
        });
        var services = new ServiceCollection().AddLogging().AddSingleton(TimeProvider.System);
        services.AddGasTownLoop(options);
        using var sp = services.BuildServiceProvider();
        var tracker = sp.GetRequiredService<BeadTracker>();
        Assert.Equal(5, tracker.ThresholdsFor(1).BurstCount);
        Assert.Equal(DetectionThresholds.Default.BurstCount, tracker.ThresholdsFor(2).BurstCount);
    }
}
