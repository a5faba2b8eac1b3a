using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Faultline.Core.Storage;
using Faultline.Tests.Fixtures;

namespace Faultline.Tests.Web;

/// <summary>The token-authenticated read API, once per storage backend.</summary>
public abstract class ReadApiTests(TestBackend backend) : IAsyncLifetime
{
    private FaultlineServer _server = null!;

    public async Task InitializeAsync() => _server = await FaultlineServer.StartAsync(dsn: backend.NewDsn());
    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task Send(System.Text.Json.Nodes.JsonObject evt, long project = 1)
    {
        var key = project == 1 ? FaultlineServer.Key1 : FaultlineServer.Key2;
        var r = await _server.Http.PostAsync($"/api/{project}/envelope/?sentry_key={key}", new ByteArrayContent(Envelopes.Envelope(evt)));
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
    }

    [Fact]
    public async Task TokensGate401And403()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await _server.Http.GetAsync("/api/1/issues/")).StatusCode);
        var bad = new HttpRequestMessage(HttpMethod.Get, "/api/1/issues/");
        bad.Headers.Authorization = new("Bearer", "fl_notarealtoken");
        var r = await _server.Http.SendAsync(bad);
        Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
        Assert.Contains("unknown", (string?)JsonNode.Parse(await r.Content.ReadAsStringAsync())!["detail"]);

        var p2 = await _server.ClientWithTokenAsync(2);
        r = await p2.GetAsync("/api/1/issues/");
        Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await p2.GetAsync("/api/2/issues/")).StatusCode);

        var all = await _server.ClientWithTokenAsync(null, TokenScope.All);
        Assert.Equal(HttpStatusCode.OK, (await all.GetAsync("/api/1/issues/")).StatusCode);
        var projects = await all.GetFromJsonAsync<JsonArray>("/api/v1/projects/");
        Assert.Equal(2, projects!.Count);
        Assert.StartsWith($"http://{FaultlineServer.Key1}@", (string?)projects[0]!["dsn"]);
        var only2 = await p2.GetFromJsonAsync<JsonArray>("/api/v1/projects/");
        Assert.Single(only2!);
    }

    [Fact]
    public async Task RevokedTokenStopsWorkingImmediately()
    {
        var t = await _server.Store.CreateTokenAsync("short-lived", 1, TokenScope.Project);
        var c = new HttpClient { BaseAddress = new Uri(_server.BaseUrl) };
        c.DefaultRequestHeaders.Authorization = new("Bearer", t.Secret);
        Assert.Equal(HttpStatusCode.OK, (await c.GetAsync("/api/1/issues/")).StatusCode);
        await _server.Store.RevokeTokenAsync(t.Token.Id);
        Assert.Equal(HttpStatusCode.Unauthorized, (await c.GetAsync("/api/1/issues/")).StatusCode);
    }

    [Fact]
    public async Task IssueListFiltersSortsAndPages()
    {
        for (var i = 0; i < 7; i++)
            await Send(Envelopes.ErrorEvent(Envelopes.NewEventId(), type: $"PageError{i}", environment: i % 2 == 0 ? "staging" : "production"));
        for (var i = 0; i < 3; i++)
            await Send(Envelopes.ErrorEvent(Envelopes.NewEventId(), type: "PageError0", environment: "staging"));
        var api = await _server.ClientWithTokenAsync(1);

        var staging = await api.GetFromJsonAsync<JsonObject>("/api/1/issues/?environment=staging&query=pageerror");
        Assert.Equal(4L, (long)staging!["total"]!);

        var byCount = await api.GetFromJsonAsync<JsonObject>("/api/1/issues/?sort=event_count&query=PAGEERROR");
        Assert.Equal("PageError0", (string?)byCount!["items"]![0]!["type"]);
        Assert.Equal(4L, (long)byCount["items"]![0]!["event_count"]!);

        var seen = new HashSet<long>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await api.GetFromJsonAsync<JsonObject>($"/api/1/issues/?query=pageerror&limit=3{(cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor))}");
            foreach (var item in page!["items"]!.AsArray()) Assert.True(seen.Add((long)item!["id"]!));
            cursor = (string?)page["next_cursor"];
            pages++;
        } while (cursor != null);
        Assert.Equal(7, seen.Count);
        Assert.Equal(3, pages);

        Assert.Equal(HttpStatusCode.BadRequest, (await api.GetAsync("/api/1/issues/?sort=bogus")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await api.GetAsync("/api/1/issues/?status=bogus")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await api.GetAsync("/api/1/issues/?cursor=%%%")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await api.GetAsync("/api/1/issues/?limit=0")).StatusCode);
    }

    [Fact]
    public async Task ABurstOfErrorsMakesAQuakeALoneErrorStaysATremor()
    {
        for (var i = 0; i < 3; i++)
            await Send(Envelopes.ErrorEvent(Envelopes.NewEventId(), type: "BurstError"));
        await Send(Envelopes.ErrorEvent(Envelopes.NewEventId(), type: "LoneError"));
        var api = await _server.ClientWithTokenAsync(1);
        var burst = await api.GetFromJsonAsync<JsonObject>("/api/1/issues/?query=bursterror");
        Assert.Equal("quake", (string?)burst!["items"]![0]!["severity"]);
        var lone = await api.GetFromJsonAsync<JsonObject>("/api/1/issues/?query=loneerror");
        Assert.Equal("tremor", (string?)lone!["items"]![0]!["severity"]);
    }

    [Fact]
    public async Task IssueDetailEventsAndStatusChange()
    {
        var id = Envelopes.NewEventId();
        await Send(Envelopes.ErrorEvent(id, type: "DetailError"));
        var api = await _server.ClientWithTokenAsync(1);
        var list = await api.GetFromJsonAsync<JsonObject>("/api/1/issues/?query=detailerror");
        var issueId = (long)list!["items"]![0]!["id"]!;

        var issue = await api.GetFromJsonAsync<JsonObject>($"/api/1/issues/{issueId}/");
        foreach (var field in new[] { "id", "project_id", "title", "type", "value", "culprit", "level", "platform", "status", "event_count",
                     "first_seen", "last_seen", "environments", "first_release", "last_release", "fingerprint", "bead_id" })
            Assert.True(issue!.ContainsKey(field), field);
        Assert.EndsWith("Z", (string?)issue!["first_seen"]);
        Assert.Contains("handler", (string?)issue["culprit"]);

        var events = await api.GetFromJsonAsync<JsonObject>($"/api/1/issues/{issueId}/events/");
        var e = events!["items"]![0]!;
        Assert.Equal(id, (string?)e["event_id"]);
        foreach (var field in new[] { "event_id", "issue_id", "timestamp", "received_at", "level", "environment", "release", "exceptions", "tags", "user", "breadcrumbs", "payload" })
            Assert.True(e.AsObject().ContainsKey(field), field);
        Assert.Equal("Firefox", (string?)e["tags"]!["browser"]);

        var r = await api.PutAsJsonAsync($"/api/1/issues/{issueId}/", new { status = "resolved" });
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("resolved", (string?)(await api.GetFromJsonAsync<JsonObject>($"/api/1/issues/{issueId}/"))!["status"]);
        var timeline = await api.GetFromJsonAsync<JsonArray>($"/api/1/issues/{issueId}/lifecycle/");
        Assert.Contains(timeline!, x => (string?)x!["kind"] == "resolved");

        // Recurrence right after resolution is a regression: back to active, aftershock.
        await Send(Envelopes.ErrorEvent(Envelopes.NewEventId(), type: "DetailError"));
        issue = await api.GetFromJsonAsync<JsonObject>($"/api/1/issues/{issueId}/");
        Assert.Equal("active", (string?)issue!["status"]);
        Assert.Equal("aftershock", (string?)issue["severity"]);

        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync("/api/1/issues/999999/")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync("/api/1/events/00000000000000000000000000000000/")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await api.PutAsJsonAsync($"/api/1/issues/{issueId}/", new { status = "nope" })).StatusCode);
    }
}

public sealed class ReadApiTestsOnSqlite() : ReadApiTests(SqliteTestBackend.Instance);

[Collection(MariaDbCollection.Name)]
public sealed class ReadApiTestsOnMariaDb(MariaDbServer db) : ReadApiTests(new MariaDbTestBackend(db));
