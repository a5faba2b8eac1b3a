using System.Text.Json.Nodes;
using Faultline.Core.Loop;

namespace Faultline.Tests.Loop;

public class SlackMessagesTests
{
    static readonly SlackIssueInfo Info = new()
    {
        ProjectId = 3,
        IssueId = 42,
        Title = "Error: <script>alert(1)</script> & <@U123> <!here>",
        DashboardBaseUrl = "https://faultline.example.com/",
        ProjectName = "shop & <co>",
        Culprit = "cart.js in <anonymous>",
        Level = "fatal",
        EventCount = 12345,
        Environment = "prod",
        Release = "1.2.3",
        BeadId = "fl-a1",
    };

    static IEnumerable<string> AllText(JsonNode? node) => node switch
    {
        JsonObject o => o.SelectMany(p => p.Key == "url" ? [] : AllText(p.Value)),
        JsonArray a => a.SelectMany(AllText),
        JsonValue v when v.TryGetValue<string>(out var s) => [s],
        _ => [],
    };

    public static TheoryData<string> Kinds => new() { "new", "resolved", "regression", "escalation" };

    static JsonObject Build(string kind) => kind switch
    {
        "new" => SlackMessages.NewIssue(Info),
        "resolved" => SlackMessages.Resolved(Info, "Merged in <fl-mr-1>"),
        "regression" => SlackMessages.Regression(Info, 2, "fl-old"),
        _ => SlackMessages.Escalation(Info, "hq-esc1", "regressed <twice>"),
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void HasHeaderSectionContextAndLinkButton(string kind)
    {
        var msg = Build(kind);
        var blocks = msg["blocks"]!.AsArray();
        Assert.Equal(["header", "section", "context", "actions"], blocks.Select(b => b!["type"]!.GetValue<string>()));
        Assert.Equal("plain_text", blocks[0]!["text"]!["type"]!.GetValue<string>());
        Assert.True(blocks[0]!["text"]!["text"]!.GetValue<string>().Length <= 150);
        Assert.NotEmpty(blocks[1]!["fields"]!.AsArray());
        var button = blocks[3]!["elements"]![0]!;
        Assert.Equal("button", button["type"]!.GetValue<string>());
        Assert.Equal("https://faultline.example.com/dashboard/projects/3/issues/42", button["url"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(msg["text"]!.GetValue<string>())); // notification fallback
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void EscapesEveryEventSuppliedString(string kind)
    {
        foreach (var text in AllText(Build(kind)))
        {
            Assert.DoesNotContain('<', text);
            Assert.DoesNotContain('>', text);
            Assert.DoesNotMatch("&(?!amp;|lt;|gt;)", text);
        }
        var section = Build(kind)["blocks"]![1]!["text"]!["text"]!.GetValue<string>();
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;@U123&gt; &lt;!here&gt;", section);
    }

    [Fact]
    public void KindSpecificFieldsAppear()
    {
        var fields = string.Join("\n", AllText(SlackMessages.Regression(Info, 2, "fl-old")["blocks"]![1]!["fields"]));
        Assert.Contains("fl-old", fields);
        Assert.Contains("12,345", fields);
        Assert.Contains("Regression #2", SlackMessages.Regression(Info, 2, "fl-old")["blocks"]![0]!["text"]!["text"]!.GetValue<string>());
        Assert.Contains("hq-esc1", string.Join("\n", AllText(SlackMessages.Escalation(Info, "hq-esc1", "r"))));
        Assert.Contains("Merged in &lt;fl-mr-1&gt;", string.Join("\n", AllText(SlackMessages.Resolved(Info, "Merged in <fl-mr-1>"))));
    }

    [Fact]
    public void LongTextIsShortenedWithoutBreakingAnEntity()
    {
        var msg = SlackMessages.NewIssue(Info with { ProjectName = new string('&', 400), Title = new string('<', 5000) });
        var header = msg["blocks"]![0]!["text"]!["text"]!.GetValue<string>();
        Assert.True(header.Length <= 150, $"header is {header.Length} chars");
        Assert.DoesNotMatch("&(?!amp;|lt;|gt;)", header.TrimEnd('…'));
        var section = msg["blocks"]![1]!["text"]!["text"]!.GetValue<string>();
        Assert.True(section.Length <= 3000);
        Assert.All(msg["blocks"]![1]!["fields"]!.AsArray(), f => Assert.True(f!["text"]!.GetValue<string>().Length <= 2000));
    }
}
