using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Faultline.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;

namespace Faultline.Tests.Web;

/// <summary>
/// /history/, /as-of/ and /dolt-log/ over real HTTP on a manual clock, once per backend; the MariaDB class also
/// checks that SQLite and MariaDB give byte-identical answers for the same history.
/// </summary>
public abstract class HistoryApiTests(TestBackend backend)
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task HistoryAsOfAndLogTellTheIssuesStory() => await Scenario(backend);

    /// <summary>Runs the story and returns every answer body, for comparing backends.</summary>
    protected static async Task<string> Scenario(TestBackend b)
    {
        var clock = new ManualClock(T0);
        await using var server = await FaultlineServer.StartAsync(dsn: b.NewDsn(),
            configure: w => w.Services.AddSingleton<TimeProvider>(clock));
        var api = await server.ClientWithTokenAsync(1);
        var transcript = new StringBuilder();

        async Task Send()
        {
            var evt = Envelopes.ErrorEvent(Envelopes.NewEventId(), type: "HistoryError");
            evt["timestamp"] = clock.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;
            var r = await server.Http.PostAsync($"/api/1/envelope/?sentry_key={FaultlineServer.Key1}", new ByteArrayContent(Envelopes.Envelope(evt)));
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        }
        async Task<(HttpStatusCode, JsonNode)> Get(string path)
        {
            var r = await api.GetAsync(path);
            var body = await r.Content.ReadAsStringAsync();
            transcript.Append((int)r.StatusCode).Append(' ').Append(path).Append(' ').AppendLine(body);
            return (r.StatusCode, JsonNode.Parse(body)!);
        }

        await Send();                                   // batch: issue created, 1 event
        clock.Advance(TimeSpan.FromMinutes(1));
        await Send();                                   // 2 events
        clock.Advance(TimeSpan.FromMinutes(1));
        var issueId = (long)(await api.GetFromJsonAsync<JsonObject>("/api/1/issues/?query=historyerror"))!["items"]![0]!["id"]!;
        Assert.Equal(HttpStatusCode.OK, (await api.PutAsJsonAsync($"/api/1/issues/{issueId}/", new { status = "resolved" })).StatusCode);
        clock.Advance(TimeSpan.FromMinutes(1));
        await Send();                                   // regression: active, aftershock, 3 events

        var (status, history) = await Get($"/api/1/issues/{issueId}/history/");
        Assert.Equal(HttpStatusCode.OK, status);
        var items = history["items"]!.AsArray();
        Assert.Equal([1L, 2L, 2L, 3L], items.Select(i => (long)i!["event_count"]!));
        Assert.Equal(["active", "active", "resolved", "active"], items.Select(i => (string?)i!["status"]));
        Assert.Equal(["tremor", "tremor", "tremor", "aftershock"], items.Select(i => (string?)i!["severity"]));
        Assert.Equal(["events", "events", "status", "events"], items.Select(i => (string?)i!["reason"]));
        Assert.Equal("2026-03-01T12:02:00.000Z", (string?)items[2]!["at"]);
        Assert.Equal("2026-03-01T12:01:00.000Z", (string?)items[1]!["last_seen"]);
        var secondBatch = (string)items[1]!["commit_id"]!;

        var (s404, before) = await Get($"/api/1/issues/{issueId}/as-of/?at=2026-03-01T11:59:59Z");
        Assert.Equal(HttpStatusCode.NotFound, s404);
        Assert.Contains("did not exist yet", (string?)before["detail"]);
        Assert.Contains("2026-03-01T12:00:00.000Z", (string?)before["detail"]);
        var (_, early) = await Get($"/api/1/issues/{issueId}/as-of/?at=2026-03-01T12:00:30Z");
        Assert.Equal(1L, (long)early["issue"]!["event_count"]!);
        var (_, resolved) = await Get($"/api/1/issues/{issueId}/as-of/?at={Uri.EscapeDataString("2026-03-01T13:02:30+01:00")}");
        Assert.Equal("resolved", (string?)resolved["issue"]!["status"]);
        var (_, byBatch) = await Get($"/api/1/issues/{issueId}/as-of/?at={secondBatch}");
        Assert.Equal(2L, (long)byBatch["issue"]!["event_count"]!);
        foreach (var bad in new[] { "yesterday", "2026-13-45T00:00:00Z", "-5", "" })
            Assert.Equal(HttpStatusCode.BadRequest, (await Get($"/api/1/issues/{issueId}/as-of/?at={bad}")).Item1);
        // A Dolt commit hash is understood but refused where there is no Dolt.
        var (sHash, hash) = await Get($"/api/1/issues/{issueId}/as-of/?at=0123456789abcdefghijklmnopqrstuv");
        Assert.Equal(HttpStatusCode.BadRequest, sHash);
        Assert.Contains("batch numbers", (string?)hash["detail"]);

        var (_, log) = await Get($"/api/1/issues/{issueId}/dolt-log/");
        Assert.Equal("batch_log", (string?)log["source"]);
        var entries = log["items"]!.AsArray();
        Assert.Equal(4, entries.Count);
        Assert.Equal(["modified", "modified", "modified", "added"], entries.Select(e => (string?)e!["diff_type"]));
        Assert.Equal($"issue {issueId}: status resolved", (string?)entries[1]!["message"]);
        Assert.Matches(@"^batch \d+: 1 events, 1 issues$", (string?)entries[0]!["message"]);
        Assert.Equal("faultline", (string?)entries[0]!["committer"]);
        Assert.Equal(HttpStatusCode.BadRequest, (await Get($"/api/1/issues/{issueId}/dolt-log/?limit=0")).Item1);

        Assert.Equal(HttpStatusCode.NotFound, (await Get("/api/1/issues/999999/history/")).Item1);
        Assert.Equal(HttpStatusCode.NotFound, (await Get("/api/1/issues/999999/dolt-log/")).Item1);
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.Http.GetAsync($"/api/1/issues/{issueId}/history/")).StatusCode);
        var other = await server.ClientWithTokenAsync(2);
        Assert.Equal(HttpStatusCode.Forbidden, (await other.GetAsync($"/api/1/issues/{issueId}/as-of/?at=1")).StatusCode);
        return transcript.ToString();
    }
}

public sealed class HistoryApiTestsOnSqlite() : HistoryApiTests(SqliteTestBackend.Instance);

[Collection(MariaDbCollection.Name)]
public sealed class HistoryApiTestsOnMariaDb(MariaDbServer db) : HistoryApiTests(new MariaDbTestBackend(db))
{
    [Fact]
    public async Task SqliteAndMariaDbGiveTheSameAnswers()
    {
        var sqlite = await Scenario(SqliteTestBackend.Instance);
        var mariadb = await Scenario(new MariaDbTestBackend(db));
        Assert.Equal(sqlite, mariadb);
    }
}
