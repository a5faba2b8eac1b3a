using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Faultline.Tests.Fixtures;

namespace Faultline.Tests.Web;

/// <summary>Ingest over real HTTP against a real Kestrel port, once per storage backend.</summary>
public abstract class IngestHttpTests(TestBackend backend) : IAsyncLifetime
{
    private FaultlineServer _server = null!;
    private HttpClient _api = null!;
    private const string Auth = $"Sentry sentry_key={FaultlineServer.Key1}, sentry_version=7, sentry_client=test/1.0";

    public async Task InitializeAsync()
    {
        _server = await FaultlineServer.StartAsync(dsn: backend.NewDsn());
        _api = await _server.ClientWithTokenAsync(1);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static HttpRequestMessage Post(string path, byte[] body, string? encoding = null, string? auth = Auth, bool chunked = false)
    {
        HttpContent content = chunked ? new StreamContent(new NonSeekableStream(body)) : new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/plain") { CharSet = "UTF-8" };
        if (encoding != null) content.Headers.TryAddWithoutValidation("Content-Encoding", encoding);
        var req = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        if (auth != null) req.Headers.TryAddWithoutValidation("X-Sentry-Auth", auth);
        return req;
    }

    private async Task<JsonObject> ReadJson(HttpResponseMessage r) => JsonNode.Parse(await r.Content.ReadAsStringAsync())!.AsObject();

    [Theory]
    [InlineData(null)]
    [InlineData("gzip")]
    [InlineData("br")]
    [InlineData("deflate")]
    [InlineData("deflate-raw")]
    [InlineData("")]
    [InlineData("UTF-8")]
    public async Task EnvelopeIsStoredWithEveryEncoding(string? encoding)
    {
        var id = Envelopes.NewEventId();
        var raw = Envelopes.Envelope(Envelopes.ErrorEvent(id, type: "EncodingError" + encoding));
        var (body, header) = encoding switch
        {
            "gzip" => (Envelopes.Gzip(raw), "gzip"),
            "br" => (Envelopes.Brotli(raw), "br"),
            "deflate" => (Envelopes.Zlib(raw), "deflate"),
            "deflate-raw" => (Envelopes.RawDeflate(raw), "deflate"),
            _ => (raw, encoding),
        };
        var r = await _server.Http.SendAsync(Post("/api/1/envelope/", body, header));
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal(id, (string?)(await ReadJson(r))["id"]);
        Assert.Equal("*", r.Headers.GetValues("Access-Control-Allow-Origin").Single());

        var evt = await _api.GetFromJsonAsync<JsonObject>($"/api/1/events/{id}/");
        Assert.Equal(id, (string?)evt!["event_id"]);
        Assert.Equal("production", (string?)evt["environment"]);
        Assert.NotNull(evt["payload"]);
        Assert.Single(evt["exceptions"]!.AsArray());
    }

    [Fact]
    public async Task ChunkedBodyWithoutContentLengthIsAccepted()
    {
        var id = Envelopes.NewEventId();
        var req = Post("/api/1/envelope", Envelopes.Gzip(Envelopes.Envelope(Envelopes.ErrorEvent(id))), "gzip", chunked: true);
        var r = await _server.Http.SendAsync(req);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Null(req.Content!.Headers.ContentLength);
    }

    [Theory]
    [InlineData("/api/1/envelope/")]
    [InlineData("/api/1/envelope")]
    [InlineData("/sentry/prefix/api/1/envelope/")]
    [InlineData("/x//api//1//envelope//")]
    public async Task PathFormsAreTolerated(string path)
    {
        var r = await _server.Http.SendAsync(Post(path, Envelopes.Envelope(Envelopes.ErrorEvent(Envelopes.NewEventId()))));
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
    }

    [Fact]
    public async Task AllFourAuthFormsWork()
    {
        // Authorization: Sentry
        var req = Post("/api/1/envelope/", Envelopes.Envelope(Envelopes.ErrorEvent(Envelopes.NewEventId())), auth: null);
        req.Headers.TryAddWithoutValidation("Authorization", Auth);
        Assert.Equal(HttpStatusCode.OK, (await _server.Http.SendAsync(req)).StatusCode);
        // Query string (JS SDKs)
        req = Post($"/api/1/envelope/?sentry_version=7&sentry_key={FaultlineServer.Key1}&sentry_client=sentry.javascript.browser%2F8.0.0",
            Envelopes.Envelope(Envelopes.ErrorEvent(Envelopes.NewEventId())), auth: null);
        Assert.Equal(HttpStatusCode.OK, (await _server.Http.SendAsync(req)).StatusCode);
        // Envelope header dsn (tunnels, Go)
        req = Post("/api/1/envelope/", Envelopes.Envelope(Envelopes.ErrorEvent(Envelopes.NewEventId()), dsn: $"http://{FaultlineServer.Key1}@localhost:9/1"), auth: null);
        Assert.Equal(HttpStatusCode.OK, (await _server.Http.SendAsync(req)).StatusCode);
        // /store/ with X-Sentry-Auth
        req = Post("/api/1/store/", Encoding.UTF8.GetBytes(Envelopes.ErrorEvent(Envelopes.NewEventId()).ToJsonString()));
        Assert.Equal(HttpStatusCode.OK, (await _server.Http.SendAsync(req)).StatusCode);
    }

    [Fact]
    public async Task MissingCredentialsAre401WithReason()
    {
        var r = await _server.Http.SendAsync(Post("/api/1/envelope/", Envelopes.Envelope(Envelopes.ErrorEvent(Envelopes.NewEventId())), auth: null));
        Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
        Assert.Contains("missing", (string?)(await ReadJson(r))["detail"]);
        Assert.True(r.Headers.Contains("X-Sentry-Error"));
        Assert.Equal("*", r.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    [Fact]
    public async Task UnknownKeyAndKeyOfAnotherProjectAre403()
    {
        var r = await _server.Http.SendAsync(Post("/api/1/envelope/", Envelopes.Envelope(Envelopes.ErrorEvent(Envelopes.NewEventId())),
            auth: "Sentry sentry_key=00000000000000000000000000000000, sentry_version=7"));
        Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
        Assert.Contains("unknown", (string?)(await ReadJson(r))["detail"]);

        r = await _server.Http.SendAsync(Post("/api/2/envelope/", Envelopes.Envelope(Envelopes.ErrorEvent(Envelopes.NewEventId()))));
        Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
        Assert.Contains("does not belong", (string?)(await ReadJson(r))["detail"]);
    }

    [Fact]
    public async Task CorsPreflightIsAnswered()
    {
        var req = new HttpRequestMessage(HttpMethod.Options, "/api/1/envelope/");
        req.Headers.Add("Origin", "https://app.example");
        req.Headers.Add("Access-Control-Request-Method", "POST");
        req.Headers.Add("Access-Control-Request-Headers", "content-type, x-sentry-auth");
        var r = await _server.Http.SendAsync(req);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("*", r.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("x-sentry-auth", r.Headers.GetValues("Access-Control-Allow-Headers").Single());
        Assert.Equal("x-sentry-rate-limits, retry-after, x-sentry-error", r.Headers.GetValues("Access-Control-Expose-Headers").Single());
    }

    [Fact]
    public async Task OversizedEventIs413NamingTheLimit()
    {
        var evt = Envelopes.ErrorEvent(Envelopes.NewEventId());
        evt["extra"] = new JsonObject { ["blob"] = new string('x', 1_100_000) };
        var r = await _server.Http.SendAsync(Post("/api/1/envelope/", Envelopes.Gzip(Envelopes.Envelope(evt)), "gzip"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, r.StatusCode);
        Assert.Contains("1 MB", (string?)(await ReadJson(r))["detail"]);
    }

    [Fact]
    public async Task DecompressionBombIsRefusedWith413()
    {
        // 300 MB of zeros gzip to ~300 KB; the server must stop at its 200 MB cap without buffering it all.
        var ms = new MemoryStream();
        using (var gz = new System.IO.Compression.GZipStream(ms, System.IO.Compression.CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var zeros = new byte[1 << 20];
            for (var i = 0; i < 300; i++) gz.Write(zeros);
        }
        var before = GC.GetTotalMemory(false);
        var r = await _server.Http.SendAsync(Post("/api/1/envelope/", ms.ToArray(), "gzip"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, r.StatusCode);
        Assert.Contains("200 MB", (string?)(await ReadJson(r))["detail"]);
    }

    [Theory]
    [InlineData("not json at all\n")]
    [InlineData("{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\"}\n{\"type\":\"event\",\"length\":500}\n{}\n")]
    public async Task MalformedEnvelopesAre400(string body)
    {
        var r = await _server.Http.SendAsync(Post("/api/1/envelope/", Encoding.UTF8.GetBytes(body)));
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.False(string.IsNullOrEmpty((string?)(await ReadJson(r))["detail"]));
    }

    [Fact]
    public async Task CorruptGzipIs400()
    {
        var r = await _server.Http.SendAsync(Post("/api/1/envelope/", [0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7], "gzip"));
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
    }

    [Fact]
    public async Task EmptyEnvelopeAndIgnoredItemsAnswer200()
    {
        var r = await _server.Http.SendAsync(Post("/api/1/envelope/", "{}"u8.ToArray()));
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("{}", await r.Content.ReadAsStringAsync());

        var tx = "{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\"}\n{\"type\":\"transaction\"}\n{\"type\":\"transaction\",\"spans\":[]}\n{\"type\":\"unknown_future_item\"}\n{\"x\":1}\n";
        r = await _server.Http.SendAsync(Post("/api/1/envelope/", Encoding.UTF8.GetBytes(tx)));
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("9ec79c33ec9942ab8353589fcb2e04dc", (string?)(await ReadJson(r))["id"]);
        Assert.Equal(HttpStatusCode.NotFound, (await _api.GetAsync("/api/1/events/9ec79c33ec9942ab8353589fcb2e04dc/")).StatusCode);
    }

    [Fact]
    public async Task SameErrorOnDifferentLinesGroupsIntoOneIssue()
    {
        var a = Envelopes.ErrorEvent(Envelopes.NewEventId(), type: "GroupMe", value: "user 17 not found", line: 10);
        var b = Envelopes.ErrorEvent(Envelopes.NewEventId(), type: "GroupMe", value: "user 99 not found", line: 99);
        var c = Envelopes.ErrorEvent(Envelopes.NewEventId(), type: "GroupMe", function: "other_function");
        foreach (var e in new[] { a, b, c })
            Assert.Equal(HttpStatusCode.OK, (await _server.Http.SendAsync(Post("/api/1/envelope/", Envelopes.Envelope(e)))).StatusCode);
        var list = await _api.GetFromJsonAsync<JsonObject>("/api/1/issues/?query=groupme");
        var items = list!["items"]!.AsArray();
        Assert.Equal(2, items.Count);
        var big = items.Single(i => (long)i!["event_count"]! == 2)!;
        Assert.Equal("GroupMe", (string?)big["type"]);
        Assert.StartsWith("GroupMe: user", (string?)big["title"]);
        Assert.Equal(["production"], big["environments"]!.AsArray().Select(x => (string?)x));
        Assert.Equal("app@1.0.0", (string?)big["first_release"]);
        Assert.Null(big["bead_id"]);
        Assert.Equal("active", (string?)big["status"]);
    }

    [Fact]
    public async Task DuplicateEventIdIsAcknowledgedOnceCounted()
    {
        var id = Envelopes.NewEventId();
        var evt = Envelopes.ErrorEvent(id, type: "DupCheck");
        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.OK, (await _server.Http.SendAsync(Post("/api/1/envelope/", Envelopes.Envelope(evt)))).StatusCode);
        var list = await _api.GetFromJsonAsync<JsonObject>("/api/1/issues/?query=dupcheck");
        Assert.Equal(1L, (long)list!["items"]![0]!["event_count"]!);
    }

    [Fact]
    public async Task HeartbeatRecordsTimeAndUrlWithoutCreatingAnEvent()
    {
        var req = Post("/api/1/heartbeat", "{\"url\":\"https://svc.example/health\"}"u8.ToArray());
        var r = await _server.Http.SendAsync(req);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        var p = await _server.Store.GetProjectAsync(1);
        Assert.Equal("https://svc.example/health", p!.ServiceUrl);
        Assert.NotNull(p.LastHeartbeatAt);

        r = await _server.Http.SendAsync(Post("/api/1/heartbeat", "{\"url\":\"javascript:alert(1)\"}"u8.ToArray()));
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
    }

    /// <summary>Forces HttpClient to send Transfer-Encoding: chunked.</summary>
    private sealed class NonSeekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}

public sealed class IngestHttpTestsOnSqlite() : IngestHttpTests(SqliteTestBackend.Instance);

[Collection(MariaDbCollection.Name)]
public sealed class IngestHttpTestsOnMariaDb(MariaDbServer db) : IngestHttpTests(new MariaDbTestBackend(db));
