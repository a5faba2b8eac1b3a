using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Faultline.Core.Ops;
using Faultline.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;

namespace Faultline.Tests.Ops;

/// <summary>/_health over real HTTP: fields, counters, degraded state; the Faultline meter.</summary>
public sealed class HealthEndpointTests
{
    private const string Auth = $"Sentry sentry_key={FaultlineServer.Key1}, sentry_version=7";

    private static async Task<HttpResponseMessage> SendEvent(FaultlineServer s, string? key = FaultlineServer.Key1)
    {
        var content = new ByteArrayContent(Envelopes.Envelope(Envelopes.ErrorEvent(Envelopes.NewEventId())));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-sentry-envelope");
        var req = new HttpRequestMessage(HttpMethod.Post, "/api/1/envelope/") { Content = content };
        req.Headers.TryAddWithoutValidation("X-Sentry-Auth", $"Sentry sentry_key={key}, sentry_version=7");
        return await s.Http.SendAsync(req);
    }

    private static async Task<(HttpStatusCode, JsonObject)> Health(FaultlineServer s)
    {
        var r = await s.Http.GetAsync("/_health");
        return (r.StatusCode, JsonNode.Parse(await r.Content.ReadAsStringAsync())!.AsObject());
    }

    [Fact]
    public async Task ReportsEveryFieldWithoutAuth()
    {
        await using var s = await FaultlineServer.StartAsync();
        for (var i = 0; i < 3; i++) Assert.Equal(HttpStatusCode.OK, (await SendEvent(s)).StatusCode);
        var (code, h) = await Health(s);
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal("ok", (string?)h["status"]);
        Assert.True(DateTime.TryParse((string?)h["timestamp"], out _));
        Assert.False(string.IsNullOrEmpty((string?)h["version"]));
        Assert.Equal("sqlite", (string?)h["storage"]!["backend"]);
        Assert.False(string.IsNullOrEmpty((string?)h["storage"]!["version"]));
        Assert.True((bool)h["storage"]!["reachable"]!);
        var ingest = h["ingest"]!;
        Assert.Equal(0, (int)ingest["queue_depth"]!);
        Assert.Equal("healthy", (string?)ingest["queue_status"]);
        Assert.Equal(3, (long)ingest["events_last_minute"]!);
        Assert.Equal(3, (long)ingest["events_last_hour"]!);
        Assert.NotNull((string?)ingest["last_batch_commit_at"]);
        Assert.Equal(1, (long)h["issues"]!["open"]!);
        var bg = h["background"]!.AsObject();
        foreach (var name in new[] { "retention", "bead_poller", "uptime_checker", "heartbeat_monitor" }) Assert.True(bg.ContainsKey(name), name);
        // No secrets: neither keys nor the database path appear.
        var text = h.ToJsonString();
        Assert.DoesNotContain(FaultlineServer.Key1, text);
        Assert.DoesNotContain("faultline.db", text);
    }

    [Fact]
    public async Task IsCachedBriefly()
    {
        await using var s = await FaultlineServer.StartAsync();
        var (_, a) = await Health(s);
        var (_, b) = await Health(s);
        Assert.Equal((string?)a["timestamp"], (string?)b["timestamp"]);
    }

    [Fact]
    public async Task BackgroundRunsReportedByOtherServicesAppear()
    {
        await using var s = await FaultlineServer.StartAsync();
        s.Services.GetRequiredService<BackgroundRuns>().Report(BackgroundRuns.Retention);
        await Task.Delay(HealthReporter.CacheFor + TimeSpan.FromMilliseconds(100));
        var (_, h) = await Health(s);
        Assert.NotNull((string?)h["background"]!["retention"]!["last_success"]);
    }

    [Fact]
    public async Task DegradedWith503WhenTheDatabaseIsGone()
    {
        await using var s = await FaultlineServer.StartAsync();
        Assert.Equal(HttpStatusCode.OK, (await Health(s)).Item1);
        var dbFile = Path.Combine(s.Services.GetRequiredService<Faultline.Core.Config.FaultlineOptions>().DataDir, "faultline.db");
        Directory.Delete(Path.GetDirectoryName(dbFile)!, recursive: true);
        await Task.Delay(HealthReporter.CacheFor + TimeSpan.FromMilliseconds(100));
        var (code, h) = await Health(s);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, code);
        Assert.Equal("degraded", (string?)h["status"]);
        Assert.False((bool)h["storage"]!["reachable"]!);
        Assert.Equal("database file missing", (string?)h["storage"]!["error"]);
    }

    [Fact]
    public async Task QueueThresholdsAreFractionsOrCounts()
    {
        await using var s = await FaultlineServer.StartAsync(new Dictionary<string, string>
        {
            ["FAULTLINE_QUEUE_WARN"] = "100", ["FAULTLINE_QUEUE_CRIT"] = "0.5",
        });
        var health = s.Services.GetRequiredService<HealthReporter>();
        Assert.Equal(("healthy", 100L, 10_000L), health.QueueStatus(99));
        Assert.Equal("warning", health.QueueStatus(100).Status);
        Assert.Equal("critical", health.QueueStatus(10_000).Status);
    }

    [Fact]
    public async Task MeterPublishesAcceptedRefusedAndCommitDuration()
    {
        var seen = new Dictionary<string, double>();
        var refused403 = 0L;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (i, l) => { if (i.Meter.Name == FaultlineMeter.Name) l.EnableMeasurementEvents(i); };
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) =>
        {
            lock (seen)
            {
                seen[i.Name] = seen.GetValueOrDefault(i.Name) + v;
                foreach (var t in tags) if (i.Name == "faultline.ingest.refused" && t.Key == "status" && (int)t.Value! == 403) refused403 += v;
            }
        });
        listener.SetMeasurementEventCallback<double>((i, v, _, _) => { lock (seen) seen[i.Name] = seen.GetValueOrDefault(i.Name) + 1; });
        listener.Start();

        await using var s = await FaultlineServer.StartAsync();
        Assert.Equal(HttpStatusCode.OK, (await SendEvent(s)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendEvent(s, "00000000000000000000000000000000")).StatusCode);
        listener.RecordObservableInstruments();
        lock (seen)
        {
            Assert.True(seen.GetValueOrDefault("faultline.events.accepted") >= 1);
            Assert.True(seen.GetValueOrDefault("faultline.batch.commit.duration") >= 1);
            Assert.True(refused403 >= 1);
            Assert.True(seen.ContainsKey("faultline.ingest.queue.depth"));
        }
    }
}
