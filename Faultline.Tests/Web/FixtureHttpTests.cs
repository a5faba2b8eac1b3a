using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Faultline.Tests.Fixtures;

namespace Faultline.Tests.Web;

/// <summary>
/// Every real SDK payload in ../shared/fixtures/sdk-envelopes through real HTTP: accepted (and
/// stored where it is an error event) or refused with the 4xx reason SOURCES.md predicts.
/// </summary>
public sealed class FixtureHttpTests : IAsyncLifetime
{
    private FaultlineServer _server = null!;
    private HttpClient _api = null!;

    public async Task InitializeAsync()
    {
        _server = await FaultlineServer.StartAsync(new Dictionary<string, string> { ["FAULTLINE_RATE_LIMIT"] = "100000" });
        _api = await _server.ClientWithTokenAsync(1);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [MemberData(nameof(SdkFixtures.Paths), MemberType = typeof(SdkFixtures))]
    public async Task FixtureIsHandled(string relativePath)
    {
        var f = SdkFixtures.Get(relativePath);
        var endpoint = f.SendAs == SendAs.Envelope ? "envelope" : "store";
        var content = new ByteArrayContent(f.ReadBytes());
        if (f.SendAs == SendAs.StoreGzip) content.Headers.ContentEncoding.Add("gzip");
        var req = new HttpRequestMessage(HttpMethod.Post, $"/api/1/{endpoint}/") { Content = content };
        req.Headers.TryAddWithoutValidation("X-Sentry-Auth", $"Sentry sentry_key={FaultlineServer.Key1}, sentry_version=7");
        var r = await _server.Http.SendAsync(req);
        var body = await r.Content.ReadAsStringAsync();
        Assert.True(f.Status == (int)r.StatusCode, $"{relativePath}: expected {f.Status}, got {(int)r.StatusCode} {body}");
        var json = JsonNode.Parse(body)!.AsObject();

        switch (f.Outcome)
        {
            case Outcome.Rejected:
                Assert.Contains(f.ReasonContains!, (string?)json["detail"], StringComparison.OrdinalIgnoreCase);
                break;
            case Outcome.AcceptedNoEvent:
                if ((string?)json["id"] is { } id)
                    Assert.Equal(HttpStatusCode.NotFound, (await _api.GetAsync($"/api/1/events/{id}/")).StatusCode);
                break;
            case Outcome.Stored:
                var responseId = (string?)json["id"];
                Assert.Matches("^[0-9a-f]{32}$", responseId);
                var ids = f.EventIds.Select(i => i ?? responseId).Distinct().ToList();
                if (ids.Count == 0) ids.Add(responseId);
                foreach (var eventId in ids)
                {
                    var e = await _api.GetFromJsonAsync<JsonObject>($"/api/1/events/{eventId}/");
                    Assert.Equal(eventId, (string?)e!["event_id"]);
                    var issue = await _api.GetFromJsonAsync<JsonObject>($"/api/1/issues/{e["issue_id"]}/");
                    Assert.False(string.IsNullOrEmpty((string?)issue!["title"]));
                }
                break;
        }
    }
}
