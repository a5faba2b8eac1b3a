using System.Text.Json.Nodes;
using Faultline.Core.Events;

namespace Faultline.Tests.Events;

public class PiiScrubberTests
{
    private static JsonObject Scrub(string json)
    {
        var o = JsonNode.Parse(json)!.AsObject();
        new PiiScrubber().Scrub(o);
        return o;
    }

    [Theory]
    [InlineData("password")]
    [InlineData("DB_PASSWD")]
    [InlineData("X-Api-Key")]
    [InlineData("apiKey")]
    [InlineData("Authorization")]
    [InlineData("set-cookie")]
    [InlineData("sessionid")]
    [InlineData("csrfmiddlewaretoken")]
    [InlineData("aws_secret_access_key")]
    [InlineData("private_key")]
    [InlineData("credentials")]
    public void SensitiveKeys(string key) => Assert.True(PiiScrubber.IsSensitiveKey(key));

    [Theory]
    [InlineData("username")]
    [InlineData("Content-Type")]
    [InlineData("page")]
    [InlineData("")]
    public void OrdinaryKeys(string key) => Assert.False(PiiScrubber.IsSensitiveKey(key));

    [Fact]
    public void FiltersRequestHeadersCookiesDataAndEnv()
    {
        var o = Scrub("""
        {"request":{
          "headers":{"Authorization":"Bearer abc","Accept":"*/*"},
          "cookies":"sessionid=abc; theme=dark",
          "data":{"user":{"password":"hunter2","name":"bob"}},
          "query_string":"page=2&api_key=secret123&q=hi",
          "env":{"REMOTE_ADDR":"1.2.3.4","SECRET_KEY":"x"}}}
        """);
        var r = o["request"]!;
        Assert.Equal("[Filtered]", (string?)r["headers"]!["Authorization"]);
        Assert.Equal("*/*", (string?)r["headers"]!["Accept"]);
        Assert.Equal("[Filtered]", (string?)r["cookies"]);
        Assert.Equal("[Filtered]", (string?)r["data"]!["user"]!["password"]);
        Assert.Equal("bob", (string?)r["data"]!["user"]!["name"]);
        Assert.Equal("page=2&api_key=%5BFiltered%5D&q=hi", (string?)r["query_string"]);
        Assert.Equal("[Filtered]", (string?)r["env"]!["SECRET_KEY"]);
        Assert.Equal("1.2.3.4", (string?)r["env"]!["REMOTE_ADDR"]);
    }

    [Fact]
    public void HandlesListOfPairs()
    {
        var o = Scrub("""{"request":{"headers":[["Cookie","a=b"],["Host","x"]],"query_string":[["token","t"],["page","1"]]}}""");
        Assert.Equal("[Filtered]", (string?)o["request"]!["headers"]![0]![1]);
        Assert.Equal("x", (string?)o["request"]!["headers"]![1]![1]);
        Assert.Equal("[Filtered]", (string?)o["request"]!["query_string"]![0]![1]);
        Assert.Equal("1", (string?)o["request"]!["query_string"]![1]![1]);
    }

    [Fact]
    public void FiltersCardNumbersInStringsButNotOtherNumbers()
    {
        var o = Scrub("""
        {"extra":{"note":"card 4111 1111 1111 1111 declined","order":"order 1234567890123 ok","dashed":"5500-0000-0000-0004"},
         "breadcrumbs":{"values":[{"message":"paid with 4111111111111111","data":{"auth_token":"t","n":1}}]},
         "contexts":{"app":{"secret":"s","name":"n"}},
         "user":{"id":1,"ip_address":"10.0.0.1","email":"a@b.c"}}
        """);
        Assert.Equal("card [Filtered] declined", (string?)o["extra"]!["note"]);
        Assert.Equal("order 1234567890123 ok", (string?)o["extra"]!["order"]); // fails Luhn
        Assert.Equal("[Filtered]", (string?)o["extra"]!["dashed"]);
        Assert.Equal("paid with [Filtered]", (string?)o["breadcrumbs"]!["values"]![0]!["message"]);
        Assert.Equal("[Filtered]", (string?)o["breadcrumbs"]!["values"]![0]!["data"]!["auth_token"]);
        Assert.Equal("[Filtered]", (string?)o["contexts"]!["app"]!["secret"]);
        Assert.Equal("n", (string?)o["contexts"]!["app"]!["name"]);
        Assert.Equal("[Filtered]", (string?)o["user"]!["ip_address"]);
        Assert.Equal(1, (int)o["user"]!["id"]!);
    }

    [Theory]
    [InlineData("""{"request":"x","extra":[1,null,[["password"]]],"user":null,"breadcrumbs":[1,"a",null],"contexts":7}""")]
    [InlineData("""{"request":{"headers":null,"cookies":[["a"]],"data":[["password",null]],"query_string":42},"breadcrumbs":{"values":{"a":1}}}""")]
    [InlineData("""{}""")]
    public void NeverThrowsOnOddShapes(string json) => Scrub(json);

    [Fact]
    public void LeavesExceptionAndMessageAlone()
    {
        var o = Scrub("""{"message":"token 4111111111111111","exception":{"values":[{"value":"password=1"}]}}""");
        Assert.Equal("token 4111111111111111", (string?)o["message"]);
    }
}
