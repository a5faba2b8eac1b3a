using System.Net;
using System.Text.Json.Nodes;
using Faultline.Tests.Fixtures;

namespace Faultline.Tests.Web;

public sealed class RateLimitHttpTests
{
    [Fact]
    public async Task OverTheLimitAnswers429WithSentryHeaders()
    {
        await using var server = await FaultlineServer.StartAsync(new Dictionary<string, string> { ["FAULTLINE_RATE_LIMIT"] = "1" });
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 30 && limited is null; i++)
        {
            var req = new HttpRequestMessage(HttpMethod.Post, $"/api/1/envelope/?sentry_key={FaultlineServer.Key1}")
            {
                Content = new ByteArrayContent(Envelopes.Envelope(Envelopes.ErrorEvent(Envelopes.NewEventId()))),
            };
            var r = await server.Http.SendAsync(req);
            if (r.StatusCode == HttpStatusCode.TooManyRequests) limited = r;
            else Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        }
        Assert.NotNull(limited);
        var retry = int.Parse(limited!.Headers.GetValues("Retry-After").Single());
        Assert.InRange(retry, 1, 60);
        Assert.Equal($"{retry}:error;default:project:rate_limited", limited.Headers.GetValues("X-Sentry-Rate-Limits").Single());
        Assert.Contains("rate limit", (string?)JsonNode.Parse(await limited.Content.ReadAsStringAsync())!["detail"]);
        // Project 2 has its own bucket.
        var other = new HttpRequestMessage(HttpMethod.Post, $"/api/2/envelope/?sentry_key={FaultlineServer.Key2}")
        {
            Content = new ByteArrayContent(Envelopes.Envelope(Envelopes.ErrorEvent(Envelopes.NewEventId()))),
        };
        Assert.Equal(HttpStatusCode.OK, (await server.Http.SendAsync(other)).StatusCode);
    }
}
