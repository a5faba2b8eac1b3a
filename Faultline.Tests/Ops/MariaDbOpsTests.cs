using System.Net;
using System.Text.Json.Nodes;
using Faultline.Core.Ops;
using Faultline.Core.Storage;
using Faultline.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;

namespace Faultline.Tests.Ops;

/// <summary>The ops tables and /_health on MariaDB, including the server going away.</summary>
[Collection(MariaDbCollection.Name)]
public sealed class MariaDbOpsTests(MariaDbServer mariadb)
{
    [Fact]
    public async Task OpsQueriesWorkAndHealthDegradesWhenMariaDbStops()
    {
        await using var s = await FaultlineServer.StartAsync(new Dictionary<string, string> { ["FAULTLINE_UPTIME_INTERVAL_SECS"] = "0" },
            dsn: mariadb.GoDsn(mariadb.CreateDatabase()));
        var store = s.Store;
        await store.RecordUptimeCheckAsync(new UptimeCheck(1, DateTime.UtcNow, "https://example.com/", 200, 12, true, null));
        await store.RecordUptimeCheckAsync(new UptimeCheck(1, DateTime.UtcNow, "https://example.com/", null, null, false, "connection refused"));
        Assert.Equal(50, (await store.GetUptimeAsync(1)).Percent);
        await store.AddOpsEventAsync(1, OpsEventKinds.HeartbeatDown, "test");
        Assert.Equal(OpsEventKinds.HeartbeatDown, (await store.LatestOpsEventAsync(1, OpsEventKinds.HeartbeatDown, OpsEventKinds.HeartbeatRecovered))?.Kind);

        var ok = await s.Http.GetAsync("/_health");
        var h = JsonNode.Parse(await ok.Content.ReadAsStringAsync())!;
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("mariadb", (string?)h["storage"]!["backend"]);

        mariadb.Stop();
        try
        {
            await Task.Delay(HealthReporter.CacheFor + TimeSpan.FromMilliseconds(100));
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var down = await s.Http.GetAsync("/_health");
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"health took {sw.Elapsed}");
            h = JsonNode.Parse(await down.Content.ReadAsStringAsync())!;
            Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
            Assert.Equal("degraded", (string?)h["status"]);
            Assert.False((bool)h["storage"]!["reachable"]!);
            Assert.DoesNotContain(mariadb.Password, h.ToJsonString());
        }
        finally
        {
            mariadb.Start();
        }
        await Task.Delay(HealthReporter.CacheFor + TimeSpan.FromMilliseconds(100));
        var deadline = DateTime.UtcNow.AddSeconds(15);
        HttpStatusCode code;
        do
        {
            code = (await s.Http.GetAsync("/_health")).StatusCode;
            if (code != HttpStatusCode.OK) await Task.Delay(500);
        } while (code != HttpStatusCode.OK && DateTime.UtcNow < deadline);
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.NotNull(s.Services.GetRequiredService<FaultlineStore>());
    }
}
