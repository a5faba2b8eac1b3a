using System.Text;
using System.Text.Json.Nodes;
using Faultline.Core.Events;
using Faultline.Core.Grouping;
using Faultline.Core.Ingest;
using Faultline.Core.Notify;
using Faultline.Core.Storage;
using Faultline.Core.Storage.History;
using Microsoft.Extensions.Logging.Abstractions;

namespace Faultline.Tests.Fixtures;

/// <summary>
/// The storage stack without HTTP: a fresh migrated database on the given backend, the real ingest
/// pipeline and the real batch writer (with the production batch observers), on a manual clock.
/// </summary>
public sealed class StoreHarness : IAsyncDisposable
{
    public required Database Db { get; init; }
    public required FaultlineStore Store { get; init; }
    public required BatchWriter Writer { get; init; }
    public required IngestPipeline Pipeline { get; init; }
    public required ManualClock Clock { get; init; }
    public required IssueEvents Events { get; init; }

    public static async Task<StoreHarness> StartAsync(TestBackend backend, ManualClock? clock = null)
    {
        clock ??= new ManualClock();
        var db = new Database(backend.NewDatabase());
        await StorageFactory.ProbeAsync(db, NullLogger.Instance);
        await new MigrationRunner(db.Dialect, NullLogger.Instance).ApplyAsync();
        var store = new FaultlineStore(db, clock);
        await store.UpsertProjectAsync(1, "one", FaultlineServer.Key1, null);
        await store.UpsertProjectAsync(2, "two", FaultlineServer.Key2, null);
        var queue = new IngestQueue();
        var events = new IssueEvents();
        var writer = new BatchWriter(db, queue, events, clock, NullLogger<BatchWriter>.Instance, [new IssueHistoryObserver()]);
        await writer.StartAsync(CancellationToken.None);
        var pipeline = new IngestPipeline(queue, new EventNormalizer(), new Fingerprinter(), new PiiScrubber(), new IngestSettings(), clock);
        return new StoreHarness { Db = db, Store = store, Writer = writer, Pipeline = pipeline, Clock = clock, Events = events };
    }

    /// <summary>Ingests one event through the pipeline and waits for its commit.</summary>
    public Task<IngestPipeline.Result> IngestAsync(JsonObject evt, long project = 1) =>
        Pipeline.IngestStoreAsync(project, Encoding.UTF8.GetBytes(evt.ToJsonString()), CancellationToken.None);

    /// <summary>Ingests an event of a new error type and returns its issue id.</summary>
    public async Task<long> IssueOfAsync(string type, long project = 1)
    {
        await IngestAsync(Envelopes.ErrorEvent(Envelopes.NewEventId(), type: type), project);
        var page = await Store.ListIssuesAsync(new IssueFilter { ProjectId = project, Query = type });
        return page.Items.Single(i => i.Type == type).Id;
    }

    public async ValueTask DisposeAsync()
    {
        await Writer.StopAsync(CancellationToken.None);
        Writer.Dispose();
    }
}
