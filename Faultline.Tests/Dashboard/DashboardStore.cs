using Dapper;
using Faultline.Core.Config;
using Faultline.Core.Ingest;
using Faultline.Core.Notify;
using Faultline.Core.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Faultline.Tests.Dashboard;

/// <summary>
/// A real, migrated SQLite store in a temp folder for page tests, with rows written directly
/// (so a test can make any shape: 5,000-frame traces, missing fields, hostile strings).
/// </summary>
public sealed class DashboardStore : IAsyncDisposable
{
    private readonly string _dir;
    public Database Db { get; }
    public FaultlineStore Store { get; }
    public IssueEvents Events { get; } = new();
    public ProjectDirectory Directory { get; }
    public FaultlineOptions Options { get; } = new() { ApiUrl = "https://faultline.example.com" };
    private readonly TimeProvider _clock;

    private DashboardStore(string dir, Database db, TimeProvider clock)
    {
        _dir = dir;
        Db = db;
        _clock = clock;
        Store = new FaultlineStore(db, clock);
        Directory = new ProjectDirectory(Store);
    }

    public static async Task<DashboardStore> CreateAsync(TimeProvider clock)
    {
        var dir = Path.Combine(Path.GetTempPath(), "faultline-dash-" + Guid.NewGuid().ToString("N")[..10]);
        var db = new Database(Database.Sqlite(Path.Combine(dir, "faultline.db")));
        await new MigrationRunner(db.Dialect, NullLogger.Instance).ApplyAsync();
        return new DashboardStore(dir, db, clock);
    }

    /// <summary>Registers this store's services for a ComponentRenderer.</summary>
    public void AddTo(IServiceCollection services) => services
        .AddSingleton(Store).AddSingleton(Events).AddSingleton(Directory).AddSingleton(Options).AddSingleton(Db);

    private long Ms(TimeSpan ago) => Database.Ms(_clock.GetUtcNow().UtcDateTime - ago);

    public async Task<long> AddProjectAsync(long id, string name, string? description = null, string? serviceUrl = null,
        int? heartbeatSecs = null, TimeSpan? heartbeatAgo = null)
    {
        await using var c = await Db.OpenAsync();
        await c.ExecuteAsync(
            "INSERT INTO projects (id, name, public_key, description, service_url, heartbeat_interval_secs, last_heartbeat_at, created_at) " +
            "VALUES (@id, @name, @key, @description, @serviceUrl, @heartbeatSecs, @hb, @now)",
            new { id, name, key = id.ToString("x32"), description, serviceUrl, heartbeatSecs, hb = heartbeatAgo is { } a ? Ms(a) : (long?)null, now = Ms(TimeSpan.Zero) });
        await Directory.ReloadAsync();
        return id;
    }

    public async Task<long> AddIssueAsync(long projectId, string title, string type = "Error", string value = "", string culprit = "",
        string level = "error", string status = "active", string severity = "tremor", long count = 1, TimeSpan? lastSeenAgo = null,
        string? bead = null, string? environment = null, string platform = "python")
    {
        await using var c = await Db.OpenAsync();
        var last = Ms(lastSeenAgo ?? TimeSpan.FromMinutes(5));
        var id = await c.ExecuteScalarAsync<long>(
            "INSERT INTO issues (project_id, title, type, value, culprit, level, level_rank, platform, status, severity, event_count, first_seen, last_seen, fingerprint, bead_id) " +
            "VALUES (@projectId, @title, @type, @value, @culprit, @level, 4, @platform, @status, @severity, @count, @first, @last, @fp, @bead); SELECT last_insert_rowid();",
            new { projectId, title, type, value, culprit, level, platform, status, severity, count, first = last - 3_600_000, last, fp = Guid.NewGuid().ToString("N"), bead });
        if (environment is not null)
            await c.ExecuteAsync("INSERT INTO issue_environments (issue_id, environment) VALUES (@id, @environment)", new { id, environment });
        return id;
    }

    public async Task<string> AddEventAsync(long projectId, long issueId, string dataJson, TimeSpan? ago = null, string? payload = null)
    {
        await using var c = await Db.OpenAsync();
        var eventId = Guid.NewGuid().ToString("N");
        var ts = Ms(ago ?? TimeSpan.FromMinutes(5));
        await c.ExecuteAsync(
            "INSERT INTO events (project_id, issue_id, event_id, timestamp, received_at, level, data, payload) VALUES (@projectId, @issueId, @eventId, @ts, @ts, 'error', @dataJson, @payload)",
            new { projectId, issueId, eventId, ts, dataJson, payload = System.Text.Encoding.UTF8.GetBytes(payload ?? dataJson) });
        return eventId;
    }

    /// <summary>One uptime check of a project, <paramref name="ago"/> before now.</summary>
    public async Task AddUptimeCheckAsync(long projectId, bool ok, TimeSpan ago)
    {
        await using var c = await Db.OpenAsync();
        await c.ExecuteAsync(
            "INSERT INTO uptime_checks (project_id, checked_at, url, status_code, latency_ms, ok, error) VALUES (@projectId, @at, 'https://svc.example.com/', @code, 12, @ok, NULL)",
            new { projectId, at = Ms(ago), code = ok ? 200 : 503, ok = ok ? 1 : 0 });
    }

    /// <summary>An ops_events row (e.g. the heartbeat monitor's heartbeat_down), <paramref name="ago"/> before now.</summary>
    public async Task AddOpsEventAsync(long projectId, string kind, string detail, TimeSpan ago)
    {
        await using var c = await Db.OpenAsync();
        await c.ExecuteAsync("INSERT INTO ops_events (project_id, kind, detail, created_at) VALUES (@projectId, @kind, @detail, @at)",
            new { projectId, kind, detail, at = Ms(ago) });
    }

    public async ValueTask DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        await Task.Yield();
        try { System.IO.Directory.Delete(_dir, true); } catch (IOException) { }
    }
}
