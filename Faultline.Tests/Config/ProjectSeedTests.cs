using Faultline.Core.Config;

namespace Faultline.Tests.Config;

public class ProjectSeedTests
{
    [Fact]
    public void ParsesIdKeyAndOptionalRig()
    {
        var list = ProjectSeed.ParseList("1:abcdef0123456789abcdef0123456789:gastown, 2:ABCDEF0123456789");
        Assert.Equal(2, list.Count);
        Assert.Equal(new ProjectSeed(1, "abcdef0123456789abcdef0123456789", "gastown"), list[0]);
        Assert.Equal(new ProjectSeed(2, "abcdef0123456789", null), list[1]);
    }

    [Theory]
    [InlineData("x:abcdefgh12345678")]
    [InlineData("1")]
    [InlineData("1:short")]
    [InlineData("1:abcdefgh12345678,1:abcdefgh87654321")]
    public void RejectsBadEntriesNamingTheVariable(string value)
    {
        var ex = Assert.Throws<ConfigException>(() => ProjectSeed.ParseList(value));
        Assert.StartsWith("FAULTLINE_PROJECTS:", ex.Message);
    }
}
