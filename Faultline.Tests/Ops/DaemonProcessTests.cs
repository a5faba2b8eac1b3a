using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Faultline.Core.Storage;
using Faultline.Tests.Fixtures;

namespace Faultline.Tests.Ops;

/// <summary>`faultline start/status/stop/healthcheck` as real processes (the built faultline.dll run by dotnet).</summary>
public sealed class DaemonProcessTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "faultline-daemon-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly int _port = LocalHttpServer.ClosedPort();
    private readonly string _dll = Path.Combine(AppContext.BaseDirectory, "faultline.dll");

    private string DataDir => Path.Combine(_dir, "data");

    private async Task<(int Code, string Out)> Faultline(params string[] args)
    {
        return await ProcessRun.RunAsync("dotnet", [_dll, .. args], cwd: _dir, timeout: TimeSpan.FromSeconds(120), env: new Dictionary<string, string>
        {
            ["FAULTLINE_ADDR"] = $"127.0.0.1:{_port}",
            ["FAULTLINE_DATA_DIR"] = DataDir,
            ["FAULTLINE_PROJECTS"] = $"1:{FaultlineServer.Key1}",
            ["FAULTLINE_RATE_LIMIT"] = "100000",
            ["FAULTLINE_UPTIME_INTERVAL_SECS"] = "0",
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        });
    }

    public DaemonProcessTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        // Never leave a server behind: stop it by the pid it wrote.
        var pidFile = Path.Combine(DataDir, "faultline.pid");
        if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid))
            try { Process.GetProcessById(pid).Kill(); } catch (ArgumentException) { } catch (InvalidOperationException) { }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    [Fact]
    public async Task StartStatusStopLifecycle()
    {
        var (code, output) = await Faultline("status");
        Assert.Equal(3, code);
        Assert.Contains("not running", output);

        (code, output) = await Faultline("start");
        Assert.True(code == 0, output);
        Assert.Contains("started (pid", output);
        Assert.True(File.Exists(Path.Combine(DataDir, "faultline.pid")));

        (code, output) = await Faultline("start");
        Assert.Equal(1, code);
        Assert.Contains("already running", output);

        (code, output) = await Faultline("status");
        Assert.True(code == 0, output);
        Assert.Contains("is running (pid", output);
        Assert.Contains("health: ok (HTTP 200)", output);
        Assert.Contains("storage: sqlite", output);

        (code, output) = await Faultline("healthcheck");
        Assert.True(code == 0, output);

        (code, output) = await Faultline("stop");
        Assert.True(code == 0, output);
        Assert.Contains("stopped", output);
        Assert.False(File.Exists(Path.Combine(DataDir, "faultline.pid")));

        (code, _) = await Faultline("status");
        Assert.Equal(3, code);
        (code, _) = await Faultline("healthcheck");
        Assert.Equal(1, code);
        Assert.Contains("Application is shutting down", await File.ReadAllTextAsync(Path.Combine(DataDir, "faultline.log")));
    }

    [Fact]
    public async Task StopDuringLoadKeepsEveryAcknowledgedEvent()
    {
        var (code, output) = await Faultline("start");
        Assert.True(code == 0, output);

        var acknowledged = new ConcurrentBag<string>();
        var refused = 0;
        using var stopLoad = new CancellationTokenSource();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_port}"), Timeout = TimeSpan.FromSeconds(60) };
        async Task Sender()
        {
            while (!stopLoad.IsCancellationRequested)
            {
                var id = Envelopes.NewEventId();
                var content = new ByteArrayContent(Envelopes.Envelope(Envelopes.ErrorEvent(id, value: "load " + id[..6])));
                content.Headers.ContentType = new MediaTypeHeaderValue("application/x-sentry-envelope");
                var req = new HttpRequestMessage(HttpMethod.Post, "/api/1/envelope/") { Content = content };
                req.Headers.TryAddWithoutValidation("X-Sentry-Auth", $"Sentry sentry_key={FaultlineServer.Key1}, sentry_version=7");
                try
                {
                    using var r = await http.SendAsync(req);
                    if (r.StatusCode == HttpStatusCode.OK) acknowledged.Add(id);
                    else Interlocked.Increment(ref refused);
                }
                catch (HttpRequestException) { Interlocked.Increment(ref refused); await Task.Delay(20); }
                catch (TaskCanceledException) { Interlocked.Increment(ref refused); }
            }
        }
        var senders = Enumerable.Range(0, 8).Select(_ => Task.Run(Sender)).ToArray();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (acknowledged.Count < 200 && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.True(acknowledged.Count >= 200, $"only {acknowledged.Count} events acknowledged before stop");

        (code, output) = await Faultline("stop"); // senders keep going while it stops
        Assert.True(code == 0, output);
        await Task.Delay(300);
        stopLoad.Cancel();
        await Task.WhenAll(senders);
        Assert.True(refused > 0, "the load should have run into the stopped server");

        (code, output) = await Faultline("start");
        Assert.True(code == 0, output);
        var db = new Database(Database.Sqlite(Path.Combine(DataDir, "faultline.db")));
        var store = new FaultlineStore(db, TimeProvider.System);
        var ids = acknowledged.ToArray();
        var stored = await store.ExistingEventIdsAsync(1, ids);
        Assert.Equal(ids.Length, ids.Count(stored.Contains));
        (code, output) = await Faultline("stop");
        Assert.True(code == 0, output);
    }
}
