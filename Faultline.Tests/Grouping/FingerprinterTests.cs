using System.Text.Json.Nodes;
using Faultline.Core.Events;
using Faultline.Core.Grouping;

namespace Faultline.Tests.Grouping;

public class FingerprinterTests
{
    private static readonly DateTime Received = new(2025, 3, 1, 12, 0, 0, DateTimeKind.Utc);

    private static NormalizedEvent Event(string json) =>
        new EventNormalizer().Normalize(JsonNode.Parse(json)!.AsObject(), null, Received);

    private static GroupingResult Group(string json) => new Fingerprinter().Compute(Event(json));

    private static string PythonError(string value, int line, string function = "handler", string? fingerprint = null) => $$$"""
        {"platform":"python",{{{(fingerprint is null ? "" : $"\"fingerprint\":{fingerprint},")}}}
         "exception":{"values":[{"type":"KeyError","module":"builtins","value":"{{{value}}}",
           "stacktrace":{"frames":[
             {"module":"django.core.handlers","function":"get_response","lineno":10,"in_app":false},
             {"module":"shop.views","function":"checkout","lineno":{{{line + 40}}},"in_app":true},
             {"module":"shop.cart","function":"{{{function}}}","lineno":{{{line}}},"in_app":true,"context_line":"x = d[k]"}]}}]}}
        """;

    [Fact]
    public void LineNumbersAndMessageNumbersDoNotSplit()
    {
        var a = Group(PythonError("user 123 missing", 10));
        var b = Group(PythonError("user 456 missing", 99));
        Assert.Equal(a.Hashes[0], b.Hashes[0]);
        Assert.DoesNotContain(a.Components, c => c.Contains("10") || c.Contains("123"));
    }

    [Fact]
    public void DifferentFunctionsSplit() =>
        Assert.NotEqual(Group(PythonError("x", 10, "handler")).Hashes[0], Group(PythonError("x", 10, "other")).Hashes[0]);

    [Fact]
    public void DefaultIsTypePlusInAppFramesClosestToThrow()
    {
        var g = Group(PythonError("boom", 10));
        Assert.Equal(["builtins.KeyError", "shop.views:checkout", "shop.cart:handler"], g.Components);
        Assert.Equal("g1", g.Version);
        var hash = Assert.Single(g.Hashes);
        Assert.Matches("^[0-9a-f]{64}$", hash);
        Assert.Equal(Fingerprinter.Hash(g.Components), hash);
        Assert.Equal("KeyError: boom", g.Title);
        Assert.Equal("KeyError", g.Type);
        Assert.Equal("boom", g.Value);
        Assert.Equal("shop.cart in handler", g.Culprit);
    }

    [Fact]
    public void HashIsSha256OfVersionAndUnitSeparatedComponents()
    {
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("g1\u001Fa\u001Fb"u8));
        Assert.Equal(expected, Fingerprinter.Hash(["a", "b"]));
    }

    [Fact]
    public void TakesLastThreeFramesAndAllWhenNoneInApp()
    {
        var frames = string.Join(",", Enumerable.Range(1, 6).Select(i => $$$"""{"filename":"src/f{{{i}}}.py","function":"fn{{{i}}}","lineno":{{{i}}}}"""));
        var g = Group($$$"""{"exception":[{"type":"E","stacktrace":{"frames":[{{{frames}}},{"lineno":9}]}}]}""");
        Assert.Equal(["E", "src/f4.py:fn4", "src/f5.py:fn5", "src/f6.py:fn6"], g.Components);
    }

    [Fact]
    public void CustomFingerprintWins()
    {
        var a = Group(PythonError("x", 10, "handler", """["payment-gateway", 42]"""));
        var b = Group(PythonError("y", 10, "other", """["payment-gateway", "42"]"""));
        Assert.Equal(["payment-gateway", "42"], a.Components);
        Assert.Equal(a.Hashes[0], b.Hashes[0]);
    }

    [Theory]
    [InlineData("{{ default }}")]
    [InlineData("{{default}}")]
    [InlineData("  {{ DEFAULT }} ")]
    public void DefaultVariableExpands(string variable)
    {
        var plain = Group(PythonError("x", 10));
        var onlyDefault = Group(PythonError("x", 10, fingerprint: $"[\"{variable}\"]"));
        Assert.Equal(plain.Hashes[0], onlyDefault.Hashes[0]);

        var extended = Group(PythonError("x", 10, fingerprint: $"[\"{variable}\", \"tenant-a\"]"));
        Assert.Equal([.. plain.Components, "tenant-a"], extended.Components);
        Assert.NotEqual(plain.Hashes[0], extended.Hashes[0]);
    }

    [Fact]
    public void OtherFingerprintVariables()
    {
        var g = Group("""
        {"transaction":"/checkout","level":"warning","logger":"app.log","message":"m","tags":{"region":"eu"},
         "fingerprint":["{{ transaction }}","{{ type }}","{{ error.type }}","{{ function }}","{{ module }}","{{ level }}","{{ logger }}","{{ message }}","{{ tags.region }}","{{ tags.nope }}","{{ unknown }}"],
         "exception":[{"type":"E","stacktrace":{"frames":[{"module":"m.x","function":"run(int)","in_app":true}]}}]}
        """);
        Assert.Equal(["/checkout", "E", "E", "run", "m.x", "warning", "app.log", "m", "eu", "<no-value-for-tag-nope>", "{{ unknown }}"], g.Components);
    }

    [Fact]
    public void NoFramesFallsBackToTypeAndParameterizedValue()
    {
        var a = Group("""{"exception":[{"type":"TimeoutError","value":"request 8f14e45f-ceea-467a-9575-0e2d1f8a3b2c to 10.0.0.1 took 3000 ms\nsecond line"}]}""");
        Assert.Equal(["TimeoutError", "request <uuid> to <ip> took <int> ms"], a.Components);
        Assert.Equal("TimeoutError: request 8f14e45f-ceea-467a-9575-0e2d1f8a3b2c to 10.0.0.1 took 3000 ms", a.Title);
    }

    [Fact]
    public void SyntheticExceptionOmitsTypeAndTitlesByCrashFunction()
    {
        var g = Group("""{"exception":[{"type":"SIGSEGV","value":"Segfault","mechanism":{"type":"signalhandler","synthetic":true},"stacktrace":{"frames":[{"function":"main","package":"/usr/bin/app"},{"function":"crash_here","package":"/usr/bin/app"}]}}]}""");
        Assert.Equal(["app:main", "app:crash_here"], g.Components);
        Assert.Equal("crash_here", g.Title);
    }

    [Fact]
    public void MessageEventsGroupByTemplateThenParameterizedMessage()
    {
        var a = Group("""{"logentry":{"message":"User %s logged in","formatted":"User bob logged in"}}""");
        var b = Group("""{"logentry":{"message":"User %s logged in","formatted":"User alice logged in"}}""");
        Assert.Equal(a.Hashes[0], b.Hashes[0]);
        Assert.Equal("User bob logged in", a.Title);
        Assert.Equal("Message", a.Type);

        var c = Group("""{"message":"Order 1234 failed at 2024-05-01T10:00:00Z"}""");
        var d = Group("""{"message":"Order 98 failed at 2025-01-02T00:00:00Z"}""");
        Assert.Equal(c.Hashes[0], d.Hashes[0]);
        Assert.Equal(["Order <int> failed at <date>"], c.Components);
    }

    [Fact]
    public void NothingAtAll()
    {
        var g = Group("""{"logger":"cron"}""");
        Assert.Equal(["<no message>", "cron"], g.Components);
        Assert.Equal("<unlabeled event>", g.Title);
        Assert.Equal("", g.Culprit);
        Assert.NotEqual(g.Hashes[0], Group("{}").Hashes[0]);
    }

    [Fact]
    public void ExceptionWithoutTypeDefaultsToErrorAndCulpritFallsBackToTransaction()
    {
        var g = Group("""{"transaction":"GET /x","exception":[{"value":"oops"}]}""");
        Assert.Equal("Error", g.Type);
        Assert.Equal("Error: oops", g.Title);
        Assert.Equal("GET /x", g.Culprit);
    }

    [Fact]
    public void TitleIsCappedAt200()
    {
        var g = Group($$$"""{"exception":[{"type":"E","value":"{{{new string('x', 500)}}}"}]}""");
        Assert.Equal(200, g.Title.Length);
    }

    [Fact]
    public void MainExceptionIsTheLast()
    {
        var g = Group("""{"exception":{"values":[{"type":"Inner","value":"a"},{"type":"Outer","value":"b"}]}}""");
        Assert.Equal("Outer: b", g.Title);
        Assert.Equal("Outer", g.Components[0]);
    }

    [Fact]
    public void DotnetAsyncFramesGroupAcrossCompilerRenames()
    {
        string Net(string stateMachine, int line) => $$$"""
            {"exception":[{"type":"System.InvalidOperationException","module":"System.Private.CoreLib, Version=8.0.0.0",
              "stacktrace":{"frames":[{"module":"Shop.Api.Controllers.CartController+{{{stateMachine}}}","function":"MoveNext","lineno":{{{line}}},"in_app":true}]}}]}
            """;
        var a = Group(Net("<Checkout>d__12", 10));
        var b = Group(Net("<Checkout>d__7", 55));
        Assert.Equal(a.Hashes[0], b.Hashes[0]);
        Assert.Equal(["System.InvalidOperationException", "Shop.Api.Controllers.CartController+Checkout:"], a.Components);
    }
}
