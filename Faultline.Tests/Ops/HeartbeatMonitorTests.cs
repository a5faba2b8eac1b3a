using Faultline.Core.Notify;
using Faultline.Core.Ops;
using Faultline.Core.Storage;
using Faultline.Tests.Fixtures;
using Microsoft.Extensions.Logging.Abstractions;

namespace Faultline.Tests.Ops;

/// <summary>Heartbeat staleness on a manual clock: one down entry per outage, one recovery.</summary>
public sealed class HeartbeatMonitorTests : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "faultline-hb-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly ManualClock _clock = new();
    private FaultlineStore _store = null!;
    private readonly IssueEvents _events = new();

    public async Task InitializeAsync()
    {
        var db = new Database(Database.Sqlite(Path.Combine(_dir, "hb.db")));
        await new MigrationRunner(db.Dialect, NullLogger.Instance).ApplyAsync();
        _store = new FaultlineStore(db, _clock);
        await _store.UpsertProjectAsync(1, "one", "k1", null);
        await _store.UpsertProjectAsync(2, "two", "k2", null);
    }

    public Task DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
        return Task.CompletedTask;
    }

    private HeartbeatMonitor Monitor() =>
        new(_store, _events, new BackgroundRuns(_clock), new OpsOptions(), _clock, NullLogger<HeartbeatMonitor>.Instance);

    private async Task Ping(long projectId) => await _store.RecordHeartbeatAsync(projectId, null);

    private async Task<int> Count(long projectId, string kind) =>
        (await _store.ListOpsEventsAsync(projectId, 100)).Count(e => e.Kind == kind);

    [Fact]
    public void ExpectedIntervalIsThreeMedianGapsAtLeastOneMinute()
    {
        var t = new DateTime(2030, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        Assert.Null(HeartbeatMonitor.ExpectedInterval(null, [t]));
        Assert.Equal(TimeSpan.FromSeconds(90), HeartbeatMonitor.ExpectedInterval(null, [t.AddSeconds(90), t.AddSeconds(60), t.AddSeconds(30), t]));
        Assert.Equal(TimeSpan.FromSeconds(60), HeartbeatMonitor.ExpectedInterval(null, [t.AddSeconds(10), t]));
        // An outlier gap does not move the median.
        Assert.Equal(TimeSpan.FromSeconds(300), HeartbeatMonitor.ExpectedInterval(null,
            [t.AddSeconds(1300), t.AddSeconds(300), t.AddSeconds(200), t.AddSeconds(100), t]));
        Assert.Equal(TimeSpan.FromSeconds(20), HeartbeatMonitor.ExpectedInterval(20, [t]));
    }

    [Fact]
    public async Task OneDownEntryPerOutageAndOneRecovery()
    {
        using var sub = _events.Subscribe();
        var monitor = Monitor();
        for (var i = 0; i < 5; i++) { await Ping(1); _clock.Advance(TimeSpan.FromSeconds(30)); }
        // Last ping 30 s ago; expected interval 3 × 30 s = 90 s.
        Assert.Equal(HeartbeatState.Up, (await monitor.CheckAsync())[1].State);
        Assert.Equal(HeartbeatState.Unknown, (await monitor.CheckAsync())[2].State);

        _clock.Advance(TimeSpan.FromSeconds(50)); // 80 s
        Assert.Equal(HeartbeatState.Up, (await monitor.CheckAsync())[1].State);
        _clock.Advance(TimeSpan.FromSeconds(20)); // 100 s > 90 s
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(HeartbeatState.Down, (await monitor.CheckAsync())[1].State);
            _clock.Advance(TimeSpan.FromMinutes(1));
        }
        Assert.Equal(1, await Count(1, OpsEventKinds.HeartbeatDown));
        // A restart (fresh monitor, no cache) does not repeat the entry.
        await Monitor().CheckAsync();
        Assert.Equal(1, await Count(1, OpsEventKinds.HeartbeatDown));

        await Ping(1);
        for (var i = 0; i < 3; i++) Assert.Equal(HeartbeatState.Up, (await monitor.CheckAsync())[1].State);
        Assert.Equal(1, await Count(1, OpsEventKinds.HeartbeatRecovered));

        // The gap of the outage is now among the recent gaps; the median still governs.
        _clock.Advance(TimeSpan.FromMinutes(30));
        await monitor.CheckAsync();
        await monitor.CheckAsync();
        Assert.Equal(2, await Count(1, OpsEventKinds.HeartbeatDown));
        Assert.Equal(0, await Count(2, OpsEventKinds.HeartbeatDown));

        var published = new List<StoreChange>();
        while (sub.Reader.TryRead(out var c)) published.Add(c);
        Assert.Equal([OpsEventKinds.HeartbeatDown, OpsEventKinds.HeartbeatRecovered, OpsEventKinds.HeartbeatDown],
            published.Select(c => c.Kind).ToArray());
    }

    [Fact]
    public async Task ProjectSettingOverridesDerivedInterval()
    {
        await _store.UpdateProjectSettingsAsync(2, new ProjectSettings { Name = "two", HeartbeatIntervalSecs = 120 }, byAdmin: true);
        var monitor = Monitor();
        await Ping(2); // a single ping is enough when the interval is configured
        _clock.Advance(TimeSpan.FromSeconds(110));
        var s = (await monitor.CheckAsync())[2];
        Assert.Equal(HeartbeatState.Up, s.State);
        Assert.Equal(TimeSpan.FromSeconds(120), s.Expected);
        _clock.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(HeartbeatState.Down, (await monitor.CheckAsync())[2].State);
        Assert.Equal(HeartbeatState.Down, monitor.Current[2].State);
        var down = Assert.Single(await _store.ListOpsEventsAsync(2));
        Assert.Contains("expected every 2 min", down.Detail);
    }
}
