using System.Diagnostics;
using Faultline.Tests.Fixtures;
using Xunit.Abstractions;

namespace Faultline.Tests.Storage;

/// <summary>
/// Concurrent producers through the real pipeline and batch writer, once per backend: every event is stored,
/// and the rate is printed so the backends can be compared (a measurement, not a pass/fail threshold).
/// </summary>
public abstract class IngestThroughputTests(TestBackend backend, ITestOutputHelper output)
{
    [Fact]
    public async Task ConcurrentProducersAreAllStored()
    {
        await using var h = await StoreHarness.StartAsync(backend);
        const int producers = 32, perProducer = 100;
        var events = Enumerable.Range(0, producers * perProducer)
            .Select(i => Envelopes.ErrorEvent(Envelopes.NewEventId(), type: "Load" + (i % 50))).ToArray();
        await h.IngestAsync(events[0]); // warm-up (JIT, first connection)
        var sw = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, producers).Select(p => Task.Run(async () =>
        {
            for (var i = 0; i < perProducer; i++)
            {
                var n = p * perProducer + i;
                if (n > 0) await h.IngestAsync(events[n]);
            }
        })));
        var rate = (events.Length - 1) / sw.Elapsed.TotalSeconds;
        output.WriteLine($"{backend.Name}: {events.Length - 1} events from {producers} producers in {sw.ElapsedMilliseconds} ms = {rate:0} events/s");
        Assert.Equal(events.Length, await h.Store.CountEventsAsync(1));
        Assert.Equal(events.Length, (await h.Store.ExistingEventIdsAsync(1, events.Select(e => (string)e["event_id"]!).ToList())).Count);
    }
}

public sealed class IngestThroughputTestsOnSqlite(ITestOutputHelper output) : IngestThroughputTests(SqliteTestBackend.Instance, output);

[Collection(MariaDbCollection.Name)]
public sealed class IngestThroughputTestsOnMariaDb(MariaDbServer db, ITestOutputHelper output) : IngestThroughputTests(new MariaDbTestBackend(db), output);
