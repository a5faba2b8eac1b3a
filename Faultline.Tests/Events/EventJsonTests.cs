using System.Text;
using Faultline.Core.Events;
using Faultline.Core.Ingest;

namespace Faultline.Tests.Events;

public class EventJsonTests
{
    private static System.Text.Json.Nodes.JsonObject Parse(string s) => EventJson.ParseObject(Encoding.UTF8.GetBytes(s));

    [Fact]
    public void AllowsTrailingCommasCommentsAndBom()
    {
        var o = EventJson.ParseObject([0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("{/* c */ \"a\": [1,2,], // x\n \"b\": 1,}")]);
        Assert.Equal(2, o["a"]!.AsArray().Count);
    }

    [Fact]
    public void ReplacesBareNonFiniteNumbersOutsideStrings()
    {
        var o = Parse("""{"a": NaN, "b": [Infinity, -Infinity], "c": "NaN and Infinity stay", "d": "q\"NaN", "e": 1}""");
        Assert.Null(o["a"]);
        Assert.True(o.ContainsKey("a"));
        Assert.Null(o["b"]![0]);
        Assert.Null(o["b"]![1]);
        Assert.Equal("NaN and Infinity stay", o["c"]!.GetValue<string>());
        Assert.Equal("q\"NaN", o["d"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("[1,2]", "expected an object")]
    [InlineData("\"text\"", "expected an object")]
    [InlineData("null", "expected an object")]
    [InlineData("{\"a\":", "")]
    [InlineData("{\"a\": NaNa}", "")]
    [InlineData("", "")]
    [InlineData("{\"a\":1,\"a\":2}", "")]
    public void InvalidOrNonObjectIs400(string json, string reason)
    {
        var ex = Assert.Throws<IngestException>(() => Parse(json));
        Assert.Equal(400, ex.Status);
        Assert.StartsWith("event is not valid JSON: ", ex.Detail);
        Assert.Contains(reason, ex.Detail);
        Assert.True(ex.Detail.Length < 220);
    }
}
