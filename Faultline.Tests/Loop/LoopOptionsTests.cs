using Faultline.Core.Config;
using Faultline.Core.Loop;

namespace Faultline.Tests.Loop;

public class LoopOptionsTests
{
    static LoopOptions From(params (string Name, string Value)[] vars)
    {
        var map = vars.ToDictionary(v => v.Name, v => v.Value);
        return LoopOptions.FromVariables(n => map.GetValueOrDefault(n));
    }

    [Fact]
    public void DefaultsFollowTheContract()
    {
        var o = From();
        Assert.Equal("bd", o.BdBin);
        Assert.Equal("gt", o.GtBin);
        Assert.True(o.AutoDispatch);
        Assert.False(o.SlingForce);
        Assert.Equal(TimeSpan.FromSeconds(60), o.BeadPollInterval);
        Assert.Equal(TimeSpan.FromMinutes(10), o.QuietPeriod);
        Assert.Equal(TimeSpan.FromSeconds(30), o.BdTimeout);
        Assert.Equal(TimeSpan.FromSeconds(120), o.SlingTimeout);
        Assert.EndsWith("gt", o.TownRoot);
        Assert.Null(o.SlackWebhook);
        Assert.Null(o.CiWebhookSecret);
    }

    [Fact]
    public void ReadsEveryVariable()
    {
        var o = From(("FAULTLINE_BD_BIN", "/opt/bd"), ("FAULTLINE_GT_BIN", "/opt/gt"), ("FAULTLINE_TOWN_ROOT", "/srv/town"),
            ("FAULTLINE_AUTO_DISPATCH", "false"), ("FAULTLINE_BEAD_POLL_SECS", "15"), ("FAULTLINE_QUIET_PERIOD_SECS", "30"),
            ("FAULTLINE_CI_WEBHOOK_SECRET", "s3cret"), ("FAULTLINE_SLACK_WEBHOOK", "https://hooks.slack.com/services/T/B/xyz"),
            ("FAULTLINE_SLING_FORCE", "1"));
        Assert.Equal("/opt/bd", o.BdBin);
        Assert.Equal("/opt/gt", o.GtBin);
        Assert.Equal("/srv/town", o.TownRoot);
        Assert.False(o.AutoDispatch);
        Assert.True(o.SlingForce);
        Assert.Equal(TimeSpan.FromSeconds(15), o.BeadPollInterval);
        Assert.Equal(TimeSpan.FromSeconds(30), o.QuietPeriod);
        Assert.Equal("s3cret", o.CiWebhookSecret);
        Assert.Equal("hooks.slack.com", o.SlackWebhook!.Host);
    }

    [Fact]
    public void AcceptsTheContractsTownRootSpellingToo() =>
        Assert.Equal("/srv/gt", From(("FAULTLINE_GT_TOWN_ROOT", "/srv/gt")).TownRoot);

    [Theory]
    [InlineData("FAULTLINE_AUTO_DISPATCH", "maybe")]
    [InlineData("FAULTLINE_BEAD_POLL_SECS", "0")]
    [InlineData("FAULTLINE_QUIET_PERIOD_SECS", "ten")]
    [InlineData("FAULTLINE_SLACK_WEBHOOK", "ftp://hooks.example/T/B/tok3n")]
    public void BadValuesNameTheVariable(string name, string value)
    {
        var ex = Assert.Throws<ConfigException>(() => From((name, value)));
        Assert.StartsWith(name + ":", ex.Message);
        Assert.DoesNotContain("tok3n", ex.Message);
    }

    [Fact]
    public void ToStringNeverShowsSecrets()
    {
        var text = From(("FAULTLINE_CI_WEBHOOK_SECRET", "s3cret"), ("FAULTLINE_SLACK_WEBHOOK", "https://hooks.slack.com/services/T/B/xyz")).ToString();
        Assert.DoesNotContain("s3cret", text);
        Assert.DoesNotContain("xyz", text);
        Assert.Contains("ciSecret=set", text);
    }

    [Fact]
    public void TownIsRecognisedByItsMarker()
    {
        using var town = new StandInTown();
        Assert.True(town.Options().TownRootLooksValid());
        Assert.False(new LoopOptions { TownRoot = Path.GetTempPath() }.TownRootLooksValid());
    }

    [Fact]
    public void TownIsConfiguredOnlyWhenNamedOrReal()
    {
        var named = From(("FAULTLINE_TOWN_ROOT", "/srv/town"));
        Assert.True(named.TownRootExplicit);
        Assert.True(named.TownConfigured);
        // The ~/gt default counts only if it really is a town (absent on test machines).
        var defaulted = new LoopOptions { TownRoot = Path.Combine(Path.GetTempPath(), "no-town-" + Guid.NewGuid().ToString("N")) };
        Assert.False(defaulted.TownConfigured);
    }

    [Fact]
    public void FaultlineOptionsCarryTheLoopSettings()
    {
        var o = FaultlineOptions.FromDictionary(new System.Collections.Hashtable
        {
            ["FAULTLINE_TOWN_ROOT"] = "/srv/town", ["FAULTLINE_AUTO_DISPATCH"] = "false", ["FAULTLINE_QUIET_PERIOD_SECS"] = "30",
        });
        Assert.Equal("/srv/town", o.Loop.TownRoot);
        Assert.False(o.Loop.AutoDispatch);
        Assert.Equal(TimeSpan.FromSeconds(30), o.Loop.QuietPeriod);
    }
}
