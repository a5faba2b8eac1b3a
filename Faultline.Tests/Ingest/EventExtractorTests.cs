using System.Text;
using System.Text.Json.Nodes;
using Faultline.Core.Ingest;

namespace Faultline.Tests.Ingest;

public class EventExtractorTests
{
    [Theory]
    [InlineData("""{"message":"x"}""", true)]
    [InlineData("""{}""", true)]                                              // Relay stores an unlabeled event
    [InlineData("""{"event_id":"ae3a2cc6e08741c5b09946c65c022469","debug_meta":{}}""", true)]
    [InlineData("""{"sentry.interfaces.Message":{"message":"x"}}""", true)]
    [InlineData("""{"sid":"a","status":"ok","message":"m"}""", true)]        // error content beats a signature
    [InlineData("""{"type":"transaction","exception":[]}""", false)]
    [InlineData("""{"sid":"a","started":"2020-01-01T00:00:00Z","timestamp":"2020-01-01T00:00:00Z"}""", false)]
    [InlineData("""{"check_in_id":"c","monitor_slug":"m","release":"1","contexts":{}}""", false)]
    [InlineData("""{"timestamp":"x","discarded_events":[]}""", false)]
    [InlineData("""{"items":[{"body":"log"}]}""", false)]
    [InlineData("""{"images":[{"type":"elf"}]}""", false)]                   // shares no attribute with an event
    public void ClassifiesStoreBodies(string json, bool isEvent) =>
        Assert.Equal(isEvent, EventExtractor.IsErrorEvent(JsonNode.Parse(json)!.AsObject()));

    [Fact]
    public void StoreBodyRulesForEmptyAndOversize()
    {
        Assert.Equal(400, Assert.Throws<IngestException>(() => EventExtractor.FromStoreBody([], IngestLimits.Default)).Status);
        var big = Encoding.UTF8.GetBytes("{\"m\":\"" + new string('x', 2000) + "\"}");
        var ex = Assert.Throws<IngestException>(() => EventExtractor.FromStoreBody(big, new IngestLimits { MaxEventBytes = 1024 }));
        Assert.Equal(413, ex.Status);
        Assert.Null(EventExtractor.FromStoreBody(Encoding.UTF8.GetBytes("""{"type":"transaction"}"""), IngestLimits.Default));
    }

    [Fact]
    public void EnvelopeHeaderIdGoesToFirstEventOnly()
    {
        var env = EnvelopeParser.Parse(Encoding.UTF8.GetBytes(
            "{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\"}\n{\"type\":\"transaction\"}\n{\"type\":\"transaction\"}\n" +
            "{\"type\":\"event\"}\n{\"message\":\"a\"}\n{\"type\":\"attachment\"}\nbytes\n{\"type\":\"event\"}\n{\"message\":\"b\"}\n"));
        var events = EventExtractor.FromEnvelope(env);
        Assert.Equal(2, events.Count);
        Assert.Equal("9ec79c33ec9942ab8353589fcb2e04dc", events[0].EventId);
        Assert.Null(events[1].EventId);
        Assert.Equal("b", (string?)events[1].Raw["message"]);
    }
}
