using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Faultline.Tests.Fixtures;
using Xunit.Abstractions;

namespace Faultline.Tests.Web;

/// <summary>
/// Pulls the plug on the real MariaDB in the middle of a load from concurrent senders: while it is down ingest
/// answers 503 with Retry-After, the process stays up, and after it returns ingest resumes by itself. Nothing
/// answered 200 may be missing afterwards.
/// </summary>
[Collection(MariaDbCollection.Name)]
public sealed class DatabaseOutageTests(MariaDbServer db, ITestOutputHelper output)
{
    private sealed record Sent(string EventId, int Phase, HttpStatusCode Status, bool RetryAfter, TimeSpan At);

    [Fact]
    public async Task IngestAnswers503WhileTheDatabaseIsDownAndRecoversAlone()
    {
        // The per-project rate limit would answer 429 to this load; it is not what is under test.
        await using var server = await FaultlineServer.StartAsync(new Dictionary<string, string> { ["FAULTLINE_RATE_LIMIT"] = "1000000" },
            dsn: db.GoDsn(db.CreateDatabase()));
        var sent = new ConcurrentQueue<Sent>();
        var phase = 0;            // 0 before the outage, 1 while down, 2 after the restart
        using var stop = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();

        async Task Sender()
        {
            using var http = new HttpClient { BaseAddress = new Uri(server.BaseUrl), Timeout = TimeSpan.FromSeconds(60) };
            while (!stop.IsCancellationRequested)
            {
                var id = Envelopes.NewEventId();
                var p = Volatile.Read(ref phase);
                var r = await http.PostAsync($"/api/1/envelope/?sentry_key={FaultlineServer.Key1}",
                    new ByteArrayContent(Envelopes.Envelope(Envelopes.ErrorEvent(id, type: "Outage" + Random.Shared.Next(5)))));
                sent.Enqueue(new Sent(id, p, r.StatusCode, r.Headers.RetryAfter is not null, clock.Elapsed));
                if (r.StatusCode != HttpStatusCode.OK) await Task.Delay(50);
            }
        }

        var senders = Enumerable.Range(0, 4).Select(_ => Task.Run(Sender)).ToArray();
        try
        {
            await Task.Delay(1500);
            db.Stop();
            Volatile.Write(ref phase, 1);
            var downAt = clock.Elapsed;
            await Task.Delay(2000);
            db.Start();
            var upAt = clock.Elapsed;
            Volatile.Write(ref phase, 2);
            await Task.Delay(3000);
            stop.Cancel();
            await Task.WhenAll(senders);

            var all = sent.ToList();
            var firstOkAfter = all.Where(s => s.Phase == 2 && s.Status == HttpStatusCode.OK).Select(s => s.At).DefaultIfEmpty(TimeSpan.MaxValue).Min();
            output.WriteLine($"{all.Count} requests; down {downAt.TotalSeconds:0.0}s–{upAt.TotalSeconds:0.0}s; " +
                             $"phase 0: {Summary(all, 0)}; outage: {Summary(all, 1)}; after: {Summary(all, 2)}; " +
                             $"first 200 {(firstOkAfter - upAt).TotalMilliseconds:0} ms after the server was back");

            Assert.All(all, s => Assert.True(s.Status is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"unexpected {s.Status}"));
            Assert.All(all.Where(s => s.Status == HttpStatusCode.ServiceUnavailable), s => Assert.True(s.RetryAfter, "503 without Retry-After"));
            Assert.Contains(all, s => s.Phase == 0 && s.Status == HttpStatusCode.OK);
            Assert.Contains(all, s => s.Phase == 1 && s.Status == HttpStatusCode.ServiceUnavailable);
            // Resumed by itself: the last second of the run is all 200.
            var tail = all.Where(s => s.At > clock.Elapsed - TimeSpan.FromSeconds(1) - TimeSpan.FromMilliseconds(200) && s.Phase == 2).ToList();
            Assert.NotEmpty(tail);
            Assert.All(tail, s => Assert.Equal(HttpStatusCode.OK, s.Status));

            var acknowledged = all.Where(s => s.Status == HttpStatusCode.OK).Select(s => s.EventId).ToList();
            var stored = await server.Store.ExistingEventIdsAsync(1, acknowledged);
            Assert.Equal(acknowledged.Count, stored.Count);
        }
        finally
        {
            stop.Cancel();
            db.Start(); // leave the shared server running for the rest of the collection
        }
    }

    private static string Summary(List<Sent> all, int phase)
    {
        var p = all.Where(s => s.Phase == phase).ToList();
        return $"{p.Count(s => s.Status == HttpStatusCode.OK)}×200 {p.Count(s => s.Status == HttpStatusCode.ServiceUnavailable)}×503";
    }
}
