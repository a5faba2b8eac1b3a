using System.Net;
using System.Text.Json.Nodes;
using Faultline.Core.Issues;
using Faultline.Core.Loop;
using Faultline.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;

namespace Faultline.Tests.Loop;

/// <summary>
/// A real Faultline host with the Gas Town loop switched on against a <see cref="StandInTown"/>, on a
/// <see cref="ManualClock"/>. Project 1 has the rig, project 2 has none. The SQLite file lives outside the
/// server's own folder so <see cref="RestartAsync"/> can start a new host over the same data.
/// </summary>
public sealed class LoopHost : IAsyncDisposable
{
    public const string Secret = "test-webhook-secret";
    public StandInTown Town { get; } = new();
    // Near real time: SDK timestamps in test events are real "now", and the normalizer clamps absurd ones.
    public ManualClock Clock { get; } = new(DateTimeOffset.UtcNow);
    public FaultlineServer Server { get; private set; } = null!;
    readonly string _dbDir = Path.Combine(Path.GetTempPath(), "faultline-loopdb-" + Guid.NewGuid().ToString("N")[..10]);
    readonly Dictionary<string, string> _env;

    LoopHost(Dictionary<string, string>? extraEnv)
    {
        Directory.CreateDirectory(_dbDir);
        _env = new Dictionary<string, string>
        {
            ["FAULTLINE_PROJECTS"] = $"1:{FaultlineServer.Key1}:{StandInTown.Rig},2:{FaultlineServer.Key2}",
            ["FAULTLINE_TOWN_ROOT"] = Town.Root,
            ["FAULTLINE_BD_BIN"] = Town.BdPath,
            ["FAULTLINE_GT_BIN"] = Town.GtPath,
            ["FAULTLINE_CI_WEBHOOK_SECRET"] = Secret,
            ["FAULTLINE_API_URL"] = "http://faultline.test",
            // The rate limiter's bucket is not what these tests are about.
            ["FAULTLINE_RATE_LIMIT"] = "100000",
        };
        foreach (var (k, v) in extraEnv ?? []) _env[k] = v;
    }

    public static async Task<LoopHost> StartAsync(Dictionary<string, string>? env = null)
    {
        var host = new LoopHost(env);
        await host.StartServerAsync();
        return host;
    }

    async Task StartServerAsync() =>
        Server = await FaultlineServer.StartAsync(_env, dsn: $"sqlite:{Path.Combine(_dbDir, "faultline.db")}", configure: b =>
        {
            b.Services.AddSingleton<TimeProvider>(Clock);
            b.Services.AddSingleton<IProcessRunner>(Town.Runner);
        });

    /// <summary>Stops the host and starts a new one over the same database and town (a restart).</summary>
    public async Task RestartAsync()
    {
        await Server.App.StopAsync();
        await Server.App.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        await StartServerAsync();
    }

    public LoopService Loop => Server.Services.GetRequiredService<LoopService>();

    public async Task SendAsync(string level = "error", string type = "ValueError", long project = 1)
    {
        var evt = Envelopes.ErrorEvent(Envelopes.NewEventId(), type: type, level: level);
        var key = project == 1 ? FaultlineServer.Key1 : FaultlineServer.Key2;
        var r = await Server.Http.PostAsync($"/api/{project}/envelope/?sentry_key={key}", new ByteArrayContent(Envelopes.Envelope(evt)));
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
    }

    public async Task<Issue> IssueAsync(long project = 1, string type = "ValueError")
    {
        var page = await Server.Store.ListIssuesAsync(new Core.Storage.IssueFilter { ProjectId = project });
        return page.Items.Single(i => i.Type == type);
    }

    public async Task<List<string>> KindsAsync(long issueId, long project = 1) =>
        (await Server.Store.ListLifecycleAsync(project, issueId)).Select(e => e.Kind).ToList();

    public async Task<string> DetailAsync(long issueId, string kind, long project = 1) =>
        (await Server.Store.ListLifecycleAsync(project, issueId)).Last(e => e.Kind == kind).Detail;

    public List<List<string>> Calls(string tool, string sub) =>
        Town.Calls().Where(c => c["tool"]!.GetValue<string>() == tool)
            .Select(c => c["argv"]!.AsArray().Select(a => a!.GetValue<string>()).ToList())
            .Where(a => a.Count > 0 && a[0] == sub).ToList();

    public List<JsonObject> RawCalls(string tool, string sub) =>
        Town.Calls().Where(c => c["tool"]!.GetValue<string>() == tool && c["argv"]!.AsArray().FirstOrDefault()?.GetValue<string>() == sub).ToList();

    /// <summary>Closes a bead in the stand-in's state, as <c>gt done</c> or the refinery would.</summary>
    public void CloseBead(string beadId, string reason = "Merged in gt-mr-1")
    {
        var bead = Town.Bead(beadId) ?? throw new InvalidOperationException($"no bead {beadId}");
        bead["status"] = "closed";
        bead["close_reason"] = reason;
        bead["closed_at"] = "2026-06-01T12:30:00Z";
        File.WriteAllText(Path.Combine(Town.StateDir, beadId + ".json"), bead.ToJsonString());
    }

    /// <summary>Waits for something the background parts of the loop do (change stream, worker) in real time.</summary>
    public static async Task Eventually(Func<Task<bool>> condition, string what, int timeoutMs = 20_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"timed out waiting for {what}");
            await Task.Delay(25);
        }
    }

    public Task WaitForKindAsync(long issueId, string kind, int count = 1) =>
        Eventually(async () => (await KindsAsync(issueId)).Count(k => k == kind) >= count, $"{count}× lifecycle '{kind}'");

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        Town.Dispose();
        try { Directory.Delete(_dbDir, true); } catch (IOException) { }
    }
}
