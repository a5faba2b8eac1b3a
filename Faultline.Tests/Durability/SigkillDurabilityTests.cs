using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Faultline.Core.Storage;
using Faultline.Tests.Fixtures;
using Microsoft.Extensions.Logging.Abstractions;

namespace Faultline.Tests.Durability;

/// <summary>
/// "200 means committed": kill -9 the server in the middle of a load and prove every event_id
/// that was acknowledged is in the database afterwards.
/// </summary>
public sealed class SigkillDurabilityTests
{
    [Fact]
    public async Task EveryAcknowledgedEventSurvivesSigkill()
    {
        var dir = Path.Combine(Path.GetTempPath(), "faultline-kill-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        var dbPath = Path.Combine(dir, "faultline.db");
        var env = new Dictionary<string, string>
        {
            ["FAULTLINE_DSN"] = "sqlite:" + dbPath,
            ["FAULTLINE_PROJECTS"] = $"1:{FaultlineServer.Key1}",
            ["FAULTLINE_RATE_LIMIT"] = "100000",
            ["FAULTLINE_DATA_DIR"] = dir,
        };
        var acked = new ConcurrentBag<string>();
        using (var server = await FaultlineProcess.StartAsync(env))
        {
            using var http = new HttpClient { BaseAddress = new Uri(server.BaseUrl), Timeout = TimeSpan.FromSeconds(10) };
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var senders = Enumerable.Range(0, 16).Select(async worker =>
            {
                while (!stop.IsCancellationRequested)
                {
                    var id = Envelopes.NewEventId();
                    var body = Envelopes.Gzip(Envelopes.Envelope(Envelopes.ErrorEvent(id, type: $"KillError{worker % 4}")));
                    var content = new ByteArrayContent(body);
                    content.Headers.ContentEncoding.Add("gzip");
                    try
                    {
                        var r = await http.PostAsync($"/api/1/envelope/?sentry_key={FaultlineServer.Key1}", content, stop.Token);
                        if (r.StatusCode == HttpStatusCode.OK
                            && (string?)JsonNode.Parse(await r.Content.ReadAsStringAsync())!["id"] == id)
                            acked.Add(id);
                    }
                    catch (Exception) when (stop.IsCancellationRequested || server.Process.HasExited) { break; }
                    catch (HttpRequestException) { break; } // the server is gone
                }
            }).ToArray();

            // Let a real load build up, then kill without warning.
            while (acked.Count < 1500 && !stop.IsCancellationRequested) await Task.Delay(20);
            server.Kill();
            stop.Cancel();
            await Task.WhenAll(senders);
            Assert.True(acked.Count >= 1500, $"only {acked.Count} events acknowledged before the kill:\n{server.Log}");
        }

        // Re-open the database as a restarted server would (WAL recovery happens on open).
        var db = new Database(Database.Sqlite(dbPath));
        var store = new FaultlineStore(db, TimeProvider.System);
        var found = await store.ExistingEventIdsAsync(1, acked.ToArray());
        var missing = acked.Where(id => !found.Contains(id)).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} of {acked.Count} acknowledged events lost, e.g. {missing.FirstOrDefault()}");
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(dir, true); } catch (IOException) { }
    }
}
