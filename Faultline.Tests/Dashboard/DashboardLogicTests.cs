using Faultline.Core.Issues;
using Faultline.Core.Notify;
using Faultline.Core.Ops;
using Faultline.Core.Storage;
using Faultline.Web.Components.Pages;
using Faultline.Web.Components.Ui;
using Faultline.Web.Dashboard;
using Microsoft.Extensions.Logging.Abstractions;

namespace Faultline.Tests.Dashboard;

/// <summary>The pure parts behind the pages: validation, URL state, health rules, links, live coalescing.</summary>
public class DashboardLogicTests
{
    private static readonly DateTimeOffset Now = ComponentRenderer.DefaultNow;

    [Fact]
    public void SettingsValidationGivesOneMessagePerBadField()
    {
        var form = new ProjectSettingsForm
        {
            Name = "  ", ServiceUrl = "javascript:alert(1)", DeploymentType = "cloud", Components = " , ",
            Environments = "production, bad env", Rig = "rig/1", HeartbeatIntervalSecs = "5", DetectionThresholds = "burst=5",
        };
        var errors = form.Validate();
        Assert.Equal(
            new[] { "Name", "ServiceUrl", "DeploymentType", "Components", "Environments", "Rig", "HeartbeatIntervalSecs", "DetectionThresholds" }.Order(),
            errors.Keys.Order());
        Assert.Contains("bad env", errors["Environments"]);
    }

    [Fact]
    public void ValidSettingsAreNormalized()
    {
        var form = new ProjectSettingsForm
        {
            Name = " Shop ", ServiceUrl = " https://shop.example.com ", DeploymentType = "hosted", Components = "api ,worker,, web",
            Environments = "production,staging ", Rig = "", HeartbeatIntervalSecs = "60", Description = "Ünïcode ✓",
        };
        Assert.Empty(form.Validate());
        var s = form.ToSettings();
        Assert.Equal("Shop", s.Name);
        Assert.Equal("https://shop.example.com", s.ServiceUrl);
        Assert.Equal("api, worker, web", s.Components);
        Assert.Equal("production, staging", s.Environments);
        Assert.Null(s.Rig);
        Assert.Equal(60, s.HeartbeatIntervalSecs);
        Assert.Null(s.DetectionThresholds);
    }

    [Theory]
    [InlineData("burst=5", "burst must look like 5/10m")]
    [InlineData("speed=3", "unknown setting 'speed' (burst, fatal, slow_burn)")]
    [InlineData("fatal=0", "fatal count must be a whole number ≥ 1")]
    [InlineData("slow_burn=2d", "slow_burn duration must be a number with s, m or h")]
    public void DetectionThresholdsAreCheckedLikeTheVariable(string value, string message)
    {
        var errors = new ProjectSettingsForm { Name = "p", DetectionThresholds = value }.Validate();
        Assert.StartsWith(message, errors["DetectionThresholds"]);
        Assert.DoesNotContain("project 0", errors["DetectionThresholds"]);
        Assert.EndsWith("Example: burst=5/10m, fatal=2, slow_burn=2h.", errors["DetectionThresholds"]);
    }

    [Fact]
    public void ValidDetectionThresholdsAreStoredCompactly()
    {
        var form = new ProjectSettingsForm { Name = "p", DetectionThresholds = " burst=5/10m , fatal=2,, slow_burn=2h " };
        Assert.Empty(form.Validate());
        Assert.Equal("burst=5/10m,fatal=2,slow_burn=2h", form.ToSettings().DetectionThresholds);
    }

    [Theory]
    [InlineData("https://a.example/x?y=1", "https://a.example/x?y=1")]
    [InlineData("http://10.0.0.1:8080", "http://10.0.0.1:8080/")]
    [InlineData("javascript:alert(1)", null)]
    [InlineData("JAVASCRIPT:alert(1)", null)]
    [InlineData("data:text/html,<script>alert(1)</script>", null)]
    [InlineData("//evil.example", null)]
    [InlineData("/relative", null)]
    [InlineData("", null)]
    public void OnlyAbsoluteHttpUrlsBecomeLinks(string url, string? expected) => Assert.Equal(expected, SafeLink.Href(url));

    [Fact]
    public void IssueListQueryRoundTripsThroughTheUrlAndIgnoresGarbage()
    {
        var q = IssueListQuery.Parse("http://localhost/dashboard/projects/3/issues?status=fixing&env=prod%20eu&q=a%26b&sort=severity&page=4");
        Assert.Equal(new IssueListQuery { Status = "fixing", Environment = "prod eu", Query = "a&b", Sort = "severity", Page = 4 }, q);
        Assert.Equal(q, IssueListQuery.Parse("http://localhost/" + q.ToUrl(3)));
        Assert.Equal("fixing,stabilizing", q.ToFilter(3).Status);
        Assert.Equal(150, q.ToFilter(3).Offset);

        var junk = IssueListQuery.Parse("http://localhost/x?status=<script>&sort=drop%20table&page=-3");
        Assert.Equal(new IssueListQuery(), junk);
        Assert.Equal("dashboard/projects/3/issues", junk.ToUrl(3));
        Assert.Null(new IssueListQuery { Status = "all" }.ToFilter(1).Status);
    }

    [Fact]
    public void HealthLightFollowsTheRuleInTheTooltip()
    {
        Assert.Equal(HealthStatus.Green, ProjectHealthRules.Evaluate(new ProjectHealth(3, 0, 0, null), null).Status);
        Assert.Equal(HealthStatus.Yellow, ProjectHealthRules.Evaluate(new ProjectHealth(3, 2, 0, null), null).Status);
        Assert.Equal(HealthStatus.Red, ProjectHealthRules.Evaluate(new ProjectHealth(3, 2, 1, null), null).Status);

        // "Heartbeat missing" is the heartbeat monitor's recorded verdict, nothing re-derived here.
        var down = new OpsEvent(1, 1, OpsEventKinds.HeartbeatDown, "no heartbeat for 10 min 0 s (expected every 60 s)", Now.UtcDateTime);
        var (status, reason) = ProjectHealthRules.Evaluate(new ProjectHealth(0, 0, 0, null), down);
        Assert.Equal(HealthStatus.Red, status);
        Assert.Equal("Heartbeat missing: no heartbeat for 10 min 0 s (expected every 60 s)", reason);
        var recovered = down with { Id = 2, Kind = OpsEventKinds.HeartbeatRecovered };
        Assert.Equal(HealthStatus.Green, ProjectHealthRules.Evaluate(new ProjectHealth(0, 0, 0, null), recovered).Status);
        Assert.Equal(HealthStatus.Yellow, ProjectHealthRules.Evaluate(new ProjectHealth(1, 1, 0, null), recovered).Status);
        Assert.EndsWith("; " + reason, ProjectHealthRules.Evaluate(new ProjectHealth(1, 1, 1, null), down).Reason);
    }

    [Fact]
    public void DailyFoldsHoursIntoDaysNewestLast()
    {
        var hourly = new long[48];
        hourly[0] = 1; hourly[23] = 2; hourly[24] = 5; hourly[47] = 7;
        Assert.Equal([3L, 12L], IssueDetail.Daily(hourly));
    }

    [Fact]
    public async Task LiveUpdatesCoalesceAStormIntoAFewRefreshes()
    {
        var events = new IssueEvents();
        var refreshes = 0;
        var lastSeen = 0L;
        long published = 0;
        await using var live = LiveUpdates.Start(events, c => c.ProjectId == 1, () =>
        {
            Interlocked.Increment(ref refreshes);
            Interlocked.Exchange(ref lastSeen, Interlocked.Read(ref published));
            return Task.CompletedTask;
        }, TimeProvider.System, NullLogger.Instance);

        // 5,000 changes per second for one second, in batches like the writer's group commits.
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (sw.ElapsedMilliseconds < 1000)
        {
            var due = Math.Max(1, 5 * sw.ElapsedMilliseconds - Interlocked.Read(ref published));
            var batch = Enumerable.Range(0, (int)due).Select(_ => new StoreChange { Kind = StoreChange.EventStored, ProjectId = 1 }).ToList();
            events.Publish(batch);
            Interlocked.Add(ref published, batch.Count);
            await Task.Delay(5);
        }
        var total = Interlocked.Read(ref published);
        await Task.Delay(LiveUpdates.MinInterval * 3);
        Assert.InRange(refreshes, 2, 1 + (int)(sw.Elapsed / LiveUpdates.MinInterval) + 2);
        Assert.Equal(total, Interlocked.Read(ref lastSeen)); // the last refresh came after the last change
        Console.WriteLine($"[measure] storm: {total:N0} changes in {sw.ElapsedMilliseconds} ms -> {refreshes} refreshes");

        // Irrelevant changes (another project) do not refresh.
        var before = refreshes;
        events.Publish(new StoreChange { Kind = StoreChange.EventStored, ProjectId = 2 });
        await Task.Delay(LiveUpdates.MinInterval * 2);
        Assert.Equal(before, refreshes);
    }

    [Fact]
    public async Task ASingleChangeAfterQuietRefreshesImmediately()
    {
        var events = new IssueEvents();
        var refreshed = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        await using var live = LiveUpdates.Start(events, c => c.ProjectId == 1, () => { refreshed.TrySetResult(sw.ElapsedMilliseconds); return Task.CompletedTask; },
            TimeProvider.System, NullLogger.Instance);
        await Task.Delay(400);
        sw.Restart();
        events.Publish(new StoreChange { Kind = StoreChange.EventStored, ProjectId = 1 });
        var ms = await refreshed.Task.WaitAsync(TimeSpan.FromSeconds(2));
        Assert.True(ms < LiveUpdates.MinInterval.TotalMilliseconds, $"first refresh took {ms} ms");
    }

    [Fact]
    public async Task AnOverflowedSubscriptionRefreshesEvenIfNothingVisibleWasRelevant()
    {
        var events = new IssueEvents();
        var refreshes = 0;
        await using var live = LiveUpdates.Start(events, _ => false, () => { Interlocked.Increment(ref refreshes); return Task.CompletedTask; },
            TimeProvider.System, NullLogger.Instance);
        await Task.Delay(100);
        // More than the page's queue holds at once: older changes are dropped, so the page cannot
        // know whether one concerned it and must re-read the store.
        events.Publish(Enumerable.Range(0, 2000).Select(_ => new StoreChange { Kind = StoreChange.EventStored, ProjectId = 9 }).ToList());
        await Task.Delay(LiveUpdates.MinInterval * 3);
        Assert.InRange(refreshes, 1, 2);
    }

    [Fact]
    public void PlatformMonogramsNeverEchoTheRawValue()
    {
        Assert.Equal(("python", "Py"), PlatformIcon.Classify("Python"));
        Assert.Equal(("other", "?"), PlatformIcon.Classify("<script>"));
    }
}
