using Dapper;
using Faultline.Core.Config;
using Faultline.Core.Ops;
using Faultline.Core.Storage;
using Faultline.Tests.Fixtures;
using Microsoft.Extensions.Logging.Abstractions;

namespace Faultline.Tests.Storage;

/// <summary>Retention on a manual clock, once per backend.</summary>
public abstract class RetentionTests(TestBackend backend) : IAsyncLifetime
{
    protected StoreHarness H = null!;
    public async Task InitializeAsync() => H = await StoreHarness.StartAsync(backend);
    public async Task DisposeAsync() => await H.DisposeAsync();

    private RetentionJob Job(int batchSize) => new(H.Db, H.Writer, new FaultlineOptions(), H.Clock, NullLogger<RetentionJob>.Instance)
    {
        BatchSize = batchSize, Pause = TimeSpan.Zero,
    };

    private async Task Send(string type)
    {
        var evt = Envelopes.ErrorEvent(Envelopes.NewEventId(), type: type);
        evt["timestamp"] = H.Clock.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;
        await H.IngestAsync(evt);
    }

    private async Task<long> Count(string sql, object? args = null)
    {
        await using var c = await H.Db.OpenAsync();
        return await c.ExecuteScalarAsync<long>(sql, args);
    }

    [Fact]
    public async Task OldEventsGoInSmallBatchesEmptyIssuesGoAndHistoryStays()
    {
        await Send("OldError");
        await Send("OldError");
        await Send("MixedError");
        await H.Store.RecordHeartbeatAsync(1, null);
        var old = (await H.Store.ListIssuesAsync(new IssueFilter { ProjectId = 1, Query = "olderror" })).Items.Single().Id;
        H.Clock.Advance(TimeSpan.FromDays(60));
        await Send("MixedError");
        await Send("NewError");
        H.Clock.Advance(TimeSpan.FromDays(31));

        var report = await Job(batchSize: 1).RunOnceAsync();

        Assert.Equal((3L, 1L, 1L), (report.EventsDeleted, report.IssuesDeleted, report.HeartbeatsDeleted));
        Assert.Null(await H.Store.GetIssueAsync(1, old));
        foreach (var table in new[] { "issue_hashes", "issue_tags", "issue_environments", "issue_hourly" })
            Assert.Equal(0L, await Count($"SELECT COUNT(*) FROM {table} WHERE issue_id = @old", new { old }));
        Assert.Equal(2, (await H.Store.ListIssueHistoryAsync(1, old)).Count);
        var left = (await H.Store.ListIssuesAsync(new IssueFilter { ProjectId = 1 })).Items.Select(i => i.Type).Order();
        Assert.Equal(["MixedError", "NewError"], left);
        Assert.Equal(2L, await Count("SELECT COUNT(*) FROM events"));

        // The writer's hash cache was dropped: the same error now opens a new issue instead of feeding the deleted one.
        await Send("OldError");
        var reborn = (await H.Store.ListIssuesAsync(new IssueFilter { ProjectId = 1, Query = "olderror" })).Items.Single();
        Assert.NotEqual(old, reborn.Id);
        Assert.Equal(1, reborn.EventCount);

        var again = await Job(batchSize: 500).RunOnceAsync();
        Assert.Equal((0L, 0L), (again.EventsDeleted, again.IssuesDeleted));
    }

    [Fact]
    public async Task IngestKeepsFlowingWhileRetentionDeletes()
    {
        for (var i = 0; i < 40; i++) await Send("Bulk" + (i % 4));
        H.Clock.Advance(TimeSpan.FromDays(91));
        var sending = Task.Run(async () => { for (var i = 0; i < 20; i++) await Send("Fresh"); });
        var report = await Job(batchSize: 5).RunOnceAsync();
        await sending;
        Assert.Equal(40, report.EventsDeleted);
        Assert.Equal(4, report.IssuesDeleted);
        Assert.Equal(20, (await H.Store.ListIssuesAsync(new IssueFilter { ProjectId = 1, Query = "fresh" })).Items.Single().EventCount);
    }
}

public sealed class RetentionTestsOnSqlite() : RetentionTests(SqliteTestBackend.Instance)
{
    [Fact]
    public async Task NewFilesUseIncrementalVacuumAndRetentionShrinksThem()
    {
        Assert.Equal(2L, await ScalarAsync("PRAGMA auto_vacuum"));
        var blob = new string('x', 50_000);
        for (var i = 0; i < 40; i++)
        {
            var evt = Envelopes.ErrorEvent(Envelopes.NewEventId(), type: "Big");
            evt["extra"] = new System.Text.Json.Nodes.JsonObject { ["blob"] = blob + i };
            await H.IngestAsync(evt);
        }
        var before = await ScalarAsync("PRAGMA page_count");
        H.Clock.Advance(TimeSpan.FromDays(91));
        await new RetentionJob(H.Db, H.Writer, new FaultlineOptions(), H.Clock, NullLogger<RetentionJob>.Instance).RunOnceAsync();
        Assert.Equal(0L, await ScalarAsync("PRAGMA freelist_count"));
        Assert.True(await ScalarAsync("PRAGMA page_count") < before / 2, "file did not shrink");
    }

    private async Task<long> ScalarAsync(string sql)
    {
        await using var c = await H.Db.OpenAsync();
        return await c.ExecuteScalarAsync<long>(sql);
    }
}

[Collection(MariaDbCollection.Name)]
public sealed class RetentionTestsOnMariaDb(MariaDbServer db) : RetentionTests(new MariaDbTestBackend(db));
