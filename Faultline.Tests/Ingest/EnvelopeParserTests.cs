using System.Text;
using Faultline.Core.Ingest;

namespace Faultline.Tests.Ingest;

public class EnvelopeParserTests
{
    private static Envelope Parse(string text, IngestLimits? limits = null) =>
        EnvelopeParser.Parse(Encoding.UTF8.GetBytes(text), limits ?? IngestLimits.Default);

    private static IngestException Fails(string text, IngestLimits? limits = null) =>
        Assert.Throws<IngestException>(() => Parse(text, limits));

    private static string Payload(EnvelopeItem item) => Encoding.UTF8.GetString(item.Payload.Span);

    [Theory]
    [InlineData("{}")]
    [InlineData("{}\n")]
    [InlineData("{}\n\n  \n")]
    public void EmptyEnvelopeIsValid(string text)
    {
        var env = Parse(text);
        Assert.Empty(env.Items);
        Assert.Null(env.EventId);
    }

    [Fact]
    public void ReadsHeaderFields()
    {
        var env = Parse("""{"event_id":"9EC79C33-EC99-42AB-8353-589FCB2E04DC","dsn":"https://k@h/1","sent_at":"2024-01-02T03:04:05.1234567+00:00","x":1}""");
        Assert.Equal("9ec79c33ec9942ab8353589fcb2e04dc", env.EventId);
        Assert.Equal("https://k@h/1", env.Dsn);
        Assert.Equal(new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc).AddTicks(1234567), env.SentAt);
        Assert.Equal(DateTimeKind.Utc, env.SentAt!.Value.Kind);
        Assert.Equal(1, env.Headers["x"]!.GetValue<int>());
    }

    [Fact]
    public void UnparsableSentAtIsIgnored() => Assert.Null(Parse("""{"sent_at":"123"}""").SentAt);

    [Theory]
    [InlineData("""{"event_id":"event0"}""")]
    [InlineData("""{"event_id":"0123456789abcdef"}""")]
    [InlineData("""{"event_id":42}""")]
    public void InvalidHeaderEventIdIs400(string header) =>
        Assert.Equal(400, Fails(header).Status);

    [Theory]
    [InlineData("")]
    [InlineData("\n{\"type\":\"event\"}\n{}")]
    [InlineData("[1]\n")]
    [InlineData("not json\n")]
    public void HeaderMustBeAJsonObject(string text) => Assert.Equal(400, Fails(text).Status);

    [Fact]
    public void LengthCountsBytesNotCharsAndKeepsCrlf()
    {
        // "\u00ef\u00bb\u00bfHello\r\n" is 10 chars but 13 UTF-8 bytes (the .NET serializer vector).
        var env = Parse("{}\n{\"type\":\"attachment\",\"length\":13}\n\u00ef\u00bb\u00bfHello\r\n\n{\"type\":\"event\"}\n{\"a\":1}\n");
        Assert.Equal(2, env.Items.Count);
        Assert.Equal(13, env.Items[0].Payload.Length);
        Assert.EndsWith("Hello\r\n", Payload(env.Items[0]));
        Assert.Equal("event", env.Items[1].Type);
        Assert.Equal("{\"a\":1}", Payload(env.Items[1]));
    }

    [Fact]
    public void ImplicitLengthRunsToNewlineOrEof()
    {
        var env = Parse("{}\n{\"type\":\"event\"}\n{\"a\":1}\r\n{\"type\":\"session\"}\n{\"b\":2}");
        Assert.Equal("{\"a\":1}\r", Payload(env.Items[0])); // CR belongs to the payload
        Assert.Equal("{\"b\":2}", Payload(env.Items[1]));
    }

    [Fact]
    public void ZeroLengthItemsAndHeaderAtEof()
    {
        var env = Parse("{}\n{\"type\":\"attachment\",\"length\":0}\n\n{\"type\":\"attachment\",\"length\":0}\n\n{\"type\":\"client_report\"}");
        Assert.Equal(3, env.Items.Count);
        Assert.All(env.Items, i => Assert.True(i.Payload.IsEmpty));
    }

    [Fact]
    public void UnknownItemTypesAreKept()
    {
        var env = Parse("{}\n{\"type\":\"fake\",\"length\":2,\"extra\":true}\nhi\n");
        Assert.Equal("fake", env.Items[0].Type);
        Assert.True(env.Items[0].Header["extra"]!.GetValue<bool>());
    }

    [Fact]
    public void LengthNotFollowedByNewlineIs400()
    {
        var ex = Fails("{}\n{\"type\":\"session\",\"length\":3}\nabcd\n");
        Assert.Contains("declares length 3", ex.Detail);
    }

    [Fact]
    public void TruncatedItemIs400NamingTypeAndSizes()
    {
        var ex = Fails("{}\n{\"type\":\"replay_video\",\"length\":100}\nabc");
        Assert.Equal(400, ex.Status);
        Assert.Equal("item of type replay_video declares length 100 but only 3 bytes follow", ex.Detail);
        Assert.Equal(400, Fails("{}\n{\"type\":\"event\",\"length\":5}").Status);
    }

    [Theory]
    [InlineData("{}\n{\"length\":2}\nhi")]
    [InlineData("{}\n{\"type\":\"\"}\nhi")]
    [InlineData("{}\n{\"type\":\"event\",\"length\":-1}\nhi")]
    [InlineData("{}\n{\"type\":\"event\",\"length\":\"2\"}\nhi")]
    [InlineData("{}\n[\"type\"]\nhi")]
    public void BadItemHeadersAre400(string text) => Assert.Equal(400, Fails(text).Status);

    [Fact]
    public void DuplicateHeaderKeysAre400() =>
        Assert.Equal(400, Fails("{\"sent_at\":\"2024-01-01T00:00:00Z\",\"sent_at\":\"2024-01-01T00:00:00Z\"}\n").Status);

    [Fact]
    public void HeaderLineIsCappedAt64KiB()
    {
        var huge = "{\"x\":\"" + new string('a', 70 * 1024) + "\"}\n";
        Assert.Equal(400, Fails(huge).Status);
        Assert.Equal(400, Fails("{}\n" + huge).Status);
    }

    [Fact]
    public void OversizedEventItemIs413()
    {
        var limits = new IngestLimits { MaxEventBytes = 1024 * 1024 };
        var body = "{\"m\":\"" + new string('x', 1024 * 1024) + "\"}";
        var ex = Fails("{}\n{\"type\":\"event\"}\n" + body, limits);
        Assert.Equal(413, ex.Status);
        Assert.Equal("event item exceeds the 1 MB limit", ex.Detail);
        // Attachments are not events: no event cap.
        Assert.Single(Parse("{}\n{\"type\":\"attachment\"}\n" + body, limits).Items);
    }

    [Fact]
    public void PayloadsAreSlicesOfTheInput()
    {
        var bytes = Encoding.UTF8.GetBytes("{}\n{\"type\":\"event\",\"length\":2}\nab\n");
        var env = EnvelopeParser.Parse(bytes);
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(env.Items[0].Payload, out var segment));
        Assert.Same(bytes, segment.Array);
    }
}
