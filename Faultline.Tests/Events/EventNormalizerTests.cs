using System.Text.Json.Nodes;
using Faultline.Core.Events;
using Faultline.Core.Ingest;

namespace Faultline.Tests.Events;

public class EventNormalizerTests
{
    private static readonly DateTime Received = new(2025, 3, 1, 12, 0, 0, DateTimeKind.Utc);

    private static NormalizedEvent Normalize(string json, string? envelopeId = null, DateTime? sentAt = null) =>
        new EventNormalizer().Normalize(JsonNode.Parse(json)!.AsObject(), envelopeId, Received, sentAt);

    [Theory]
    [InlineData("""{"event_id":"AE3A2CC6E08741C5B09946C65C022469"}""", "ae3a2cc6e08741c5b09946c65c022469")]
    [InlineData("""{"event_id":"087be0b0-f5de-424f-62fc-21adbf8d8dcf"}""", "087be0b0f5de424f62fc21adbf8d8dcf")]
    public void NormalizesEventId(string json, string expected)
    {
        var e = Normalize(json);
        Assert.Equal(expected, e.EventId);
        Assert.Equal(expected, (string?)e.Data["event_id"]);
    }

    [Theory]
    [InlineData("""{"event_id":"0123456789abcdef"}""")]
    [InlineData("""{"event_id":12}""")]
    [InlineData("""{}""")]
    public void GeneratesIdWhenMissingOrOddLength(string json)
    {
        var a = Normalize(json);
        Assert.Matches("^[0-9a-f]{32}$", a.EventId);
        Assert.NotEqual(a.EventId, Normalize(json).EventId);
    }

    [Fact]
    public void EnvelopeEventIdWins() =>
        Assert.Equal("9ec79c33ec9942ab8353589fcb2e04dc",
            Normalize("""{"event_id":"ae3a2cc6e08741c5b09946c65c022469"}""", "9ec79c33ec9942ab8353589fcb2e04dc").EventId);

    [Theory]
    [InlineData("""{"timestamp":1740830400.5}""", "2025-03-01T12:00:00.5000000Z")]
    [InlineData("""{"timestamp":1740830400}""", "2025-03-01T12:00:00.0000000Z")]
    [InlineData("""{"timestamp":"1740830400.25"}""", "2025-03-01T12:00:00.2500000Z")]
    [InlineData("""{"timestamp":"2025-03-01T11:59:00"}""", "2025-03-01T11:59:00.0000000Z")]
    [InlineData("""{"timestamp":"2025-03-01T09:59:00-02:00"}""", "2025-03-01T11:59:00.0000000Z")]
    [InlineData("""{"timestamp":"2025-03-01T11:59:00.123456789Z"}""", "2025-03-01T11:59:00.1234567Z")]
    [InlineData("""{"timestamp":"2025-02-20T08:00:00+00:00"}""", "2025-02-20T08:00:00.0000000Z")]
    public void ParsesTimestamps(string json, string expected)
    {
        var e = Normalize(json);
        Assert.Equal(expected, e.Timestamp.ToString("O"));
        Assert.Equal(DateTimeKind.Utc, e.Timestamp.Kind);
        Assert.Equal(expected, (string?)e.Data["timestamp"]);
    }

    [Theory]
    [InlineData("""{}""")]
    [InlineData("""{"timestamp":"garbage"}""")]
    [InlineData("""{"timestamp":{"a":1}}""")]
    [InlineData("""{"timestamp":"2025-03-01T12:02:00Z"}""")] // > 60 s in the future
    [InlineData("""{"timestamp":"2025-01-01T00:00:00Z"}""")] // > 30 days old
    [InlineData("""{"timestamp":1e300}""")]
    public void FallsBackToReceivedTime(string json) => Assert.Equal(Received, Normalize(json).Timestamp);

    [Fact]
    public void CorrectsClockDriftFromSentAt()
    {
        // Device clock 2 hours behind: event at device-11:00, sent at device-11:59:30, received 12:00 real... +2h drift.
        var e = Normalize("""{"timestamp":"2025-03-01T09:59:00Z"}""", sentAt: Received.AddHours(-2));
        Assert.Equal(new DateTime(2025, 3, 1, 11, 59, 0, DateTimeKind.Utc), e.Timestamp);
        // Small drift (< 55 min) is not corrected.
        Assert.Equal(new DateTime(2025, 3, 1, 11, 0, 0, DateTimeKind.Utc),
            Normalize("""{"timestamp":"2025-03-01T11:00:00Z"}""", sentAt: Received.AddMinutes(-30)).Timestamp);
    }

    [Theory]
    [InlineData("\"FATAL\"", "fatal")]
    [InlineData("\"critical\"", "fatal")]
    [InlineData("\"warn\"", "warning")]
    [InlineData("\"log\"", "info")]
    [InlineData("\"debug\"", "debug")]
    [InlineData("10", "debug")]
    [InlineData("20", "info")]
    [InlineData("30", "warning")]
    [InlineData("40", "error")]
    [InlineData("50", "fatal")]
    [InlineData("\"bogus\"", "error")]
    [InlineData("null", "error")]
    public void NormalizesLevel(string level, string expected)
    {
        var e = Normalize($$"""{"level":{{level}}}""");
        Assert.Equal(expected, e.Level);
        Assert.Equal(expected, (string?)e.Data["level"]);
    }

    [Fact]
    public void ExceptionAsBareListOrValuesOrLegacyKey()
    {
        const string exc = """{"type":"ValueError","value":"bad","module":"app","thread_id":"3","mechanism":{"type":"generic","handled":false},"stacktrace":{"frames":[{"function":"f","lineno":"12","in_app":true,"pre_context":[null,"x"],"post_context":null}]}}""";
        foreach (var json in new[] { "{\"exception\":[" + exc + "]}", "{\"exception\":{\"values\":[" + exc + "]}}", "{\"sentry.interfaces.Exception\":{\"values\":[" + exc + "]}}", "{\"sentry.interfaces.Exception\":" + exc + "}" })
        {
            var e = Normalize(json);
            var main = Assert.Single(e.Exceptions);
            Assert.Equal("ValueError", main.Type);
            Assert.Equal("app", main.Module);
            Assert.Equal(3, main.ThreadId);
            Assert.False(main.Handled);
            Assert.True(e.Unhandled);
            var frame = Assert.Single(main.Frames);
            Assert.Equal(12, frame.Lineno);
            Assert.True(frame.InApp);
            Assert.Equal(["", "x"], frame.PreContext);
            Assert.Empty(frame.PostContext);
            Assert.IsType<JsonArray>(e.Data["exception"]!["values"]);
            Assert.False(e.Data.ContainsKey("sentry.interfaces.Exception"));
        }
    }

    [Fact]
    public void TopLevelStacktraceAttachesToSoleFramelessException()
    {
        var e = Normalize("""{"exception":{"values":[{"type":"E"}]},"stacktrace":{"frames":[{"function":"a"},{"function":"b"}]}}""");
        Assert.Equal(["a", "b"], e.MainException!.Frames.Select(f => f.Function));
        Assert.NotNull(e.Data["exception"]!["values"]![0]!["stacktrace"]);
        Assert.False(e.Data.ContainsKey("stacktrace"));
    }

    [Fact]
    public void FramelessExceptionBorrowsThreadStack()
    {
        var e = Normalize("""
        {"exception":[{"type":"ANR","thread_id":2},{"type":"Crash"}],
         "threads":[{"id":1,"crashed":true,"stacktrace":{"frames":[{"function":"crashed"}]}},
                    {"id":"2","stacktrace":{"frames":[{"function":"named"}]}}]}
        """);
        Assert.Equal("named", e.Exceptions[0].Frames.Single().Function);
        Assert.Equal("crashed", e.Exceptions[1].Frames.Single().Function);
        Assert.Equal(2, e.Threads.Count);
        Assert.True(e.Threads[0].Crashed);
        Assert.Equal("1", e.Threads[0].Id);
        // Borrowed frames are for grouping only; the stored exception is unchanged.
        Assert.Null(e.Data["exception"]!["values"]![1]!["stacktrace"]);
    }

    [Fact]
    public void TagsFromObjectOrPairsAreStringifiedAndTruncated()
    {
        var longValue = new string('v', 300);
        var e = Normalize($$"""{"tags":[["a",1],["b",true],["c","{{longValue}}"],["bad"],[null,"x"]]}""");
        Assert.Equal([new("a", "1"), new("b", "true"), new("c", new string('v', 200))], e.Tags);
        Assert.Equal("1", (string?)e.Data["tags"]!["a"]);
        Assert.Equal(3, e.Data["tags"]!.AsObject().Count);

        var o = Normalize("""{"tags":{"release":1.5,"n":null}}""");
        Assert.Equal([new("release", "1.5")], o.Tags);
    }

    [Fact]
    public void MessageFormsAndLogentry()
    {
        Assert.Equal("hi", Normalize("""{"message":"hi"}""").Message);

        var obj = Normalize("""{"message":{"message":"User %s failed","params":["bob"]}}""");
        Assert.Equal("User bob failed", obj.Message);
        Assert.Equal("User %s failed", obj.MessageTemplate);
        Assert.Equal("User bob failed", (string?)obj.Data["message"]);
        Assert.Equal("User %s failed", (string?)obj.Data["logentry"]!["message"]);

        var entry = Normalize("""{"logentry":{"formatted":"x 1","message":"x %s","params":[1]},"message":"ignored"}""");
        Assert.Equal("x 1", entry.Message);
        Assert.Equal("x %s", entry.MessageTemplate);

        Assert.Null(Normalize("""{"message":""}""").Message);
    }

    [Fact]
    public void FingerprintCoercedToStrings()
    {
        Assert.Equal(["a", "1", "true"], Normalize("""{"fingerprint":["a",1,true,null]}""").Fingerprint);
        Assert.Null(Normalize("""{"fingerprint":[]}""").Fingerprint);
        Assert.Null(Normalize("""{}""").Fingerprint);
    }

    [Theory]
    [InlineData("""{"exception":[{"type":"A"},{"type":"B"}]}""", "", "A,B")]
    [InlineData("""{"exception":{"type":"A","value":"v"}}""", "", "A")]
    [InlineData("""{"exception":{"values":[{"type":"A"},7,{"type":"B"}],"extra_key":{"x":1}}}""", "extra_key", "A,B")]
    [InlineData("""{"exception":{"values":[{"type":"A"}]}}""", "", "A")]
    public void ExceptionsAreRewrittenInPlaceToTheValuesForm(string json, string sibling, string types)
    {
        var e = Normalize(json);
        var wrapper = Assert.IsType<JsonObject>(e.Data["exception"]);
        var values = Assert.IsType<JsonArray>(wrapper["values"]);
        Assert.Equal(types, string.Join(",", values.Select(v => (string?)v!["type"])));
        Assert.Equal(types, string.Join(",", e.Exceptions.Select(x => x.Type)));
        if (sibling != "") Assert.NotNull(wrapper[sibling]);
        Assert.Equal(sibling == "" ? 1 : 2, wrapper.Count);
        // The rewritten tree is a valid, serializable tree (no node with two parents).
        Assert.Contains("\"values\"", e.Data.ToJsonString());
    }

    [Fact]
    public void CanonicalDataShape()
    {
        var raw = JsonNode.Parse("""{"breadcrumbs":[{"message":"a"}],"threads":[{"id":1}],"user":null,"platform":"Python","environment":"prod","release":7,"extra":{"k":"v"}}""")!.AsObject();
        var e = new EventNormalizer().Normalize(raw, null, Received);
        Assert.IsType<JsonArray>(e.Data["breadcrumbs"]!["values"]);
        Assert.IsType<JsonArray>(e.Data["threads"]!["values"]);
        Assert.False(e.Data.ContainsKey("user"));
        Assert.Equal("python", e.Platform);
        Assert.Equal("prod", e.Environment);
        Assert.Equal("7", e.Release);
        Assert.Equal("v", (string?)e.Data["extra"]!["k"]);
        Assert.Same(raw, e.Data); // normalized in place: the caller hands the tree over
        Assert.Equal("other", Normalize("{}").Platform);
    }

    [Theory]
    [InlineData("""{"exception":"boom","threads":7,"breadcrumbs":"x","tags":"t","message":[1],"logentry":5,"fingerprint":{"a":1},"user":"u","timestamp":[],"level":{},"platform":1}""")]
    [InlineData("""{"exception":{"values":[null,1,"x",{"stacktrace":{"frames":[null,{"lineno":"x","in_app":"yes","pre_context":[1,{"a":1}]}]}}]}}""")]
    [InlineData("""{"exception":{"values":{"not":"a list"}},"threads":{"values":[{"stacktrace":null}]},"stacktrace":[{"function":"f"}]}""")]
    [InlineData("""{"exception":[{"mechanism":"string","thread_id":{"x":1},"value":{"nested":true}}]}""")]
    public void NeverThrowsOnWeirdShapes(string json)
    {
        var e = Normalize(json);
        Assert.Matches("^[0-9a-f]{32}$", e.EventId);
        _ = new Faultline.Core.Grouping.Fingerprinter().Compute(e);
    }

    [Fact]
    public void NullRawIs400() =>
        Assert.Equal(400, Assert.Throws<IngestException>(() => new EventNormalizer().Normalize(null!, null, Received)).Status);
}
