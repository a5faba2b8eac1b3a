using System.Collections;
using Faultline.Core.Config;
using Faultline.Core.Ops;
using Faultline.Core.Storage;
using Faultline.Tests.Fixtures;
using Faultline.Web.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Faultline.Tests.Ops;

/// <summary>Faultline's own failures become events in the self-monitoring project, exactly once.</summary>
public sealed class SelfMonitorTests
{
    /// <summary>A background service that logs its failure and then crashes with the same exception.</summary>
    private sealed class FailingService(ILogger<FailingService> logger) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            await Task.Delay(200, stoppingToken);
            try { ThrowInjected(); }
            catch (InvalidOperationException ex)
            {
                logger.LogError(ex, "Background pass failed");
                throw;
            }
        }

        private static void ThrowInjected() => throw new InvalidOperationException("injected background failure");
    }

    private static async Task<(WebApplication App, string Dir)> StartAsync(Action<IServiceCollection> services, string? selfmonKey = null)
    {
        var dir = Path.Combine(Path.GetTempPath(), "faultline-selfmon-" + Guid.NewGuid().ToString("N")[..8]);
        var env = new Hashtable
        {
            ["FAULTLINE_ADDR"] = "127.0.0.1:0",
            ["FAULTLINE_DATA_DIR"] = dir,
            ["FAULTLINE_PROJECTS"] = $"1:{FaultlineServer.Key1},2:{FaultlineServer.Key2}",
            ["FAULTLINE_UPTIME_INTERVAL_SECS"] = "0",
        };
        if (selfmonKey != null) env["FAULTLINE_SELFMON_KEY"] = selfmonKey;
        var app = FaultlineHost.Build(FaultlineOptions.FromDictionary(env), null, b => services(b.Services));
        await FaultlineHost.InitializeAsync(app.Services);
        await app.StartAsync();
        return (app, dir);
    }

    private static async Task StopAsync(WebApplication app, string dir)
    {
        await app.StopAsync();
        await app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(dir, true); } catch (IOException) { }
    }

    [Fact]
    public async Task InjectedBackgroundFailureIsRecordedExactlyOnce()
    {
        var (app, dir) = await StartAsync(s => s.AddHostedService<FailingService>(), selfmonKey: FaultlineServer.Key2);
        try
        {
            var store = app.Services.GetRequiredService<FaultlineStore>();
            var monitor = app.Services.GetRequiredService<SelfMonitor>();
            Assert.Equal(2, monitor.TargetProjectId);
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (DateTime.UtcNow < deadline && monitor.Reported == 0) await Task.Delay(100);
            await Task.Delay(1500); // give any duplicate (host log, unobserved task) time to arrive
            await monitor.FlushAsync(TimeSpan.FromSeconds(5));

            Assert.Equal(1, monitor.Reported);
            var issues = (await store.ListIssuesAsync(new IssueFilter { ProjectId = 2 })).Items;
            var issue = Assert.Single(issues);
            Assert.Equal(1, issue.EventCount);
            Assert.Contains("injected background failure", issue.Title + issue.Value);
            Assert.Equal("InvalidOperationException", issue.Type);
            Assert.Equal(0, await store.CountEventsAsync(1));

            var evt = Assert.Single(await store.ListIssueEventsAsync(2, issue.Id, 10));
            Assert.Contains("ThrowInjected", evt.Data);
            Assert.Contains(nameof(FailingService), evt.Data);
            // The service stopped, the host did not: ingest keeps working.
            Assert.False(app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested);
        }
        finally { await StopAsync(app, dir); }
    }

    [Fact]
    public async Task DefaultsToFirstProjectAndDedupesRepeats()
    {
        var (app, dir) = await StartAsync(_ => { });
        try
        {
            var monitor = app.Services.GetRequiredService<SelfMonitor>();
            Assert.Equal(1, monitor.TargetProjectId);
            Exception Make() { try { throw new TimeoutException("repeat"); } catch (TimeoutException e) { return e; } }
            Assert.True(monitor.Capture(Make(), "test"));
            Assert.False(monitor.Capture(Make(), "test")); // same signature within the window
            await monitor.FlushAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(1, monitor.Reported);
            Assert.Equal(1, await app.Services.GetRequiredService<FaultlineStore>().CountEventsAsync(1));
        }
        finally { await StopAsync(app, dir); }
    }

    [Fact]
    public async Task OffDisablesSelfMonitoring()
    {
        var (app, dir) = await StartAsync(_ => { }, selfmonKey: "off");
        try
        {
            var monitor = app.Services.GetRequiredService<SelfMonitor>();
            Assert.Null(monitor.TargetProjectId);
            Assert.False(monitor.Capture(new InvalidOperationException("x"), "test"));
        }
        finally { await StopAsync(app, dir); }
    }

    [Theory]
    [InlineData("Faultline.Core.Ops.UptimeChecker", true)]
    [InlineData("Faultline.Core.Loop.BeadPoller", true)]
    [InlineData("Microsoft.Extensions.Hosting.Internal.Host", true)]
    [InlineData("Faultline.Core.Storage.BatchWriter", false)]
    [InlineData("Faultline.Core.Ingest.IngestPipeline", false)]
    [InlineData("Faultline.Web.Endpoints.IngestHandler", false)]
    [InlineData("System.Net.Http.HttpClient", false)]
    public void IngestPathNeverFeedsItself(string category, bool captured) =>
        Assert.Equal(captured, SelfMonitorLoggerProvider.Captures(category));

    [Fact]
    public void EventCarriesExceptionChainAndFrames()
    {
        Exception ex;
        try { try { throw new IOException("disk"); } catch (IOException inner) { throw new InvalidOperationException("outer", inner); } }
        catch (InvalidOperationException e) { ex = e; }
        var evt = SelfMonitor.BuildEvent(ex, "test", "it broke", handled: true, "error", DateTime.UtcNow);
        var values = evt["exception"]!["values"]!.AsArray();
        Assert.Equal(2, values.Count);
        Assert.Equal("IOException", (string?)values[0]!["type"]);
        Assert.Equal("InvalidOperationException", (string?)values[1]!["type"]);
        var frames = values[1]!["stacktrace"]!["frames"]!.AsArray();
        Assert.Contains(frames, f => (string?)f!["function"] == nameof(EventCarriesExceptionChainAndFrames) && (bool)f["in_app"]!);
        Assert.Equal("it broke", (string?)evt["message"]!["formatted"]);
    }
}
