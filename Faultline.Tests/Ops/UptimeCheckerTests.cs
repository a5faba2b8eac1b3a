using Faultline.Core.Ops;
using Faultline.Core.Storage;
using Faultline.Tests.Fixtures;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Faultline.Tests.Ops;

/// <summary>The checker's rounds against real HTTP servers, stored checks and 24 h uptime.</summary>
public sealed class UptimeCheckerTests : IAsyncLifetime
{
    private FaultlineServer _faultline = null!;
    private LocalHttpServer _target = null!;
    private volatile bool _fail;
    private readonly SemaphoreSlim _slowGate = new(0);

    public async Task InitializeAsync()
    {
        // Interval 0: no background rounds; the tests drive them.
        _faultline = await FaultlineServer.StartAsync(new Dictionary<string, string> { ["FAULTLINE_UPTIME_INTERVAL_SECS"] = "0" });
        _target = await LocalHttpServer.StartAsync(app =>
        {
            app.MapGet("/health", () => _fail ? Results.StatusCode(500) : Results.Ok("ok"));
            app.MapGet("/stuck", async () => { await _slowGate.WaitAsync(TimeSpan.FromSeconds(4)); return "ok"; });
        });
    }

    public async Task DisposeAsync()
    {
        await _target.DisposeAsync();
        await _faultline.DisposeAsync();
    }

    private Task SetUrl(long projectId, string url, bool byAdmin) =>
        _faultline.Store.UpdateProjectSettingsAsync(projectId, new ProjectSettings { Name = $"project-{projectId}", ServiceUrl = url }, byAdmin);

    [Fact]
    public async Task RoundsRecordChecksAndUptimePercent()
    {
        var checker = _faultline.Services.GetRequiredService<UptimeChecker>();
        var store = _faultline.Store;
        Assert.Null((await store.GetUptimeAsync(1)).Percent);
        Assert.Equal("no data", (await store.GetUptimeAsync(1)).Display);

        await SetUrl(1, _target.Url("/health"), byAdmin: true);
        Assert.Equal(1, await checker.RunRoundAsync());
        _fail = true;
        await checker.RunRoundAsync();
        _fail = false;
        await checker.RunRoundAsync();
        await checker.RunRoundAsync();

        var uptime = await store.GetUptimeAsync(1);
        Assert.Equal(4, uptime.Checks);
        Assert.Equal(75, uptime.Percent);
        var checks = await store.LatestUptimeChecksAsync(1);
        Assert.Equal(4, checks.Count);
        Assert.Contains(checks, c => c.StatusCode == 500 && !c.Ok);
        Assert.All(checks, c => Assert.NotNull(c.LatencyMs));
        Assert.Null((await store.GetUptimeAsync(2)).Percent); // project 2 has no URL: no data
    }

    [Fact]
    public async Task HeartbeatUrlIsNotAdminConfiguredSoLoopbackIsRefused()
    {
        // The URL arrives with a heartbeat (service_url_by_admin = 0) and points at loopback.
        var hb = new HttpRequestMessage(HttpMethod.Post, $"/api/2/heartbeat?sentry_key={FaultlineServer.Key2}")
        {
            Content = new StringContent($$"""{"url": "{{_target.Url("/health")}}"}"""),
        };
        Assert.True((await _faultline.Http.SendAsync(hb)).IsSuccessStatusCode);
        await _faultline.Services.GetRequiredService<UptimeChecker>().RunRoundAsync();
        var check = Assert.Single(await _faultline.Store.LatestUptimeChecksAsync(2));
        Assert.False(check.Ok);
        Assert.Null(check.StatusCode);
        Assert.Contains("admin", check.Error);
    }

    [Fact]
    public async Task SlowProjectIsSkippedWhileItsCheckRuns()
    {
        var checker = _faultline.Services.GetRequiredService<UptimeChecker>();
        await SetUrl(1, _target.Url("/stuck"), byAdmin: true);
        var first = checker.RunRoundAsync();
        await Task.Delay(300);
        Assert.Equal(0, await checker.RunRoundAsync()); // previous check still running: no second request
        Assert.Equal(1, checker.Skipped);
        _slowGate.Release();
        Assert.Equal(1, await first);
        Assert.Single(await _faultline.Store.LatestUptimeChecksAsync(1));
    }
}
