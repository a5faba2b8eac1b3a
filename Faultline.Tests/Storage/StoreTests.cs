using Faultline.Core.Issues;
using Faultline.Core.Storage;
using Faultline.Tests.Fixtures;

namespace Faultline.Tests.Storage;

/// <summary>The store and the batch writer end to end, once per backend (same bodies, same expectations).</summary>
public abstract class StoreTests(TestBackend backend) : IAsyncLifetime
{
    protected StoreHarness H = null!;
    public async Task InitializeAsync() => H = await StoreHarness.StartAsync(backend);
    public async Task DisposeAsync() => await H.DisposeAsync();

    [Fact]
    public async Task EventsGroupIntoIssuesWithCountsTagsEnvironmentsAndHours()
    {
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var id = Envelopes.NewEventId();
            ids.Add(id);
            await H.IngestAsync(Envelopes.ErrorEvent(id, type: "GroupedError", value: $"user {i} ünïcødé 😀", environment: i == 0 ? "staging" : "production"));
        }
        var page = await H.Store.ListIssuesAsync(new IssueFilter { ProjectId = 1, Query = "groupederror" });
        var issue = Assert.Single(page.Items);
        Assert.Equal(3, issue.EventCount);
        Assert.Equal(["production", "staging"], issue.Environments);
        Assert.Contains("😀", issue.Value);

        var evt = await H.Store.GetEventAsync(1, ids[1]);
        Assert.NotNull(evt);
        Assert.Equal(issue.Id, evt!.IssueId);
        Assert.NotEmpty(evt.Payload);

        var events = await H.Store.ListIssueEventsAsync(1, issue.Id, 10);
        Assert.Equal(3, events.Count);
        var tags = await H.Store.ListIssueTagsAsync(issue.Id);
        Assert.Contains(tags, t => t is { Key: "browser", Value: "Firefox", Count: 3 });
        Assert.Equal(3, (await H.Store.ExistingEventIdsAsync(1, ids)).Count);
        Assert.Equal(3, await H.Store.CountEventsAsync(1));
        Assert.Equal(["production", "staging"], await H.Store.ListEnvironmentsAsync(1));
    }

    [Fact]
    public async Task DuplicateEventIdIsStoredOnce()
    {
        var id = Envelopes.NewEventId();
        var first = await H.IngestAsync(Envelopes.ErrorEvent(id, type: "Dup"));
        var second = await H.IngestAsync(Envelopes.ErrorEvent(id, type: "Dup"));
        Assert.Equal((1, 0), (first.Stored, first.Duplicates));
        Assert.Equal((0, 1), (second.Stored, second.Duplicates));
        Assert.Equal(1, (await H.Store.ListIssuesAsync(new IssueFilter { ProjectId = 1, Query = "dup" })).Items.Single().EventCount);
    }

    [Fact]
    public async Task ListFiltersSortsPagesAndEscapesLikeWildcards()
    {
        for (var i = 0; i < 5; i++) await H.IssueOfAsync($"Page_{i}%");
        await H.IssueOfAsync("PageXother");
        var escaped = await H.Store.ListIssuesAsync(new IssueFilter { ProjectId = 1, Query = "page_" });
        Assert.Equal(5, escaped.Total);
        var first = await H.Store.ListIssuesAsync(new IssueFilter { ProjectId = 1, Query = "page", Limit = 4 });
        Assert.Equal(4, first.Items.Count);
        Assert.Equal(4, first.NextOffset);
        var second = await H.Store.ListIssuesAsync(new IssueFilter { ProjectId = 1, Query = "page", Limit = 4, Offset = 4 });
        Assert.Equal(2, second.Items.Count);
        Assert.Null(second.NextOffset);
        Assert.Empty(first.Items.Select(i => i.Id).Intersect(second.Items.Select(i => i.Id)));
        foreach (var sort in FaultlineStore.Sorts)
            Assert.Equal(6, (await H.Store.ListIssuesAsync(new IssueFilter { ProjectId = 1, Query = "page", Sort = sort })).Items.Count);
        Assert.Empty((await H.Store.ListIssuesAsync(new IssueFilter { ProjectId = 2 })).Items);
    }

    [Fact]
    public async Task ResolveThenRecurrenceIsARegression()
    {
        var issueId = await H.IssueOfAsync("Regress");
        Assert.True(await H.Store.SetIssueStatusAsync(1, issueId, IssueStatus.Resolved, "resolved", "test"));
        Assert.False(await H.Store.SetIssueStatusAsync(2, issueId, IssueStatus.Resolved, "resolved", "wrong project"));
        Assert.NotNull((await H.Store.GetIssueAsync(1, issueId))!.ResolvedAt);
        H.Clock.Advance(TimeSpan.FromHours(1));
        await H.IngestAsync(Envelopes.ErrorEvent(Envelopes.NewEventId(), type: "Regress"));
        var issue = await H.Store.GetIssueAsync(1, issueId);
        Assert.Equal((IssueStatus.Active, Severity.Aftershock, 1), (issue!.Status, issue.Severity, issue.RegressionCount));
        var kinds = (await H.Store.ListLifecycleAsync(1, issueId)).Select(l => l.Kind).ToList();
        Assert.Equal(["resolved", "regressed"], kinds);
    }

    [Fact]
    public async Task HundredEventsInTheCurrentHourMakeARupture()
    {
        System.Text.Json.Nodes.JsonObject Now()
        {
            var e = Envelopes.ErrorEvent(Envelopes.NewEventId(), type: "Flood");
            e["timestamp"] = H.Clock.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;
            return e;
        }
        // Concurrent ingests share batches: the hour's count is what was stored before a batch plus what it brings.
        await Task.WhenAll(Enumerable.Range(0, Severity.RuptureEventsPerHour - 2).Select(_ => H.IngestAsync(Now())));
        await H.IngestAsync(Now());
        var issueId = (await H.Store.ListIssuesAsync(new IssueFilter { ProjectId = 1, Query = "flood" })).Items.Single().Id;
        var before = await H.Store.GetIssueAsync(1, issueId);
        Assert.Equal(Severity.RuptureEventsPerHour - 1, before!.EventCount);
        Assert.NotEqual(Severity.Rupture, before.Severity);
        await H.IngestAsync(Now());
        Assert.Equal(Severity.Rupture, (await H.Store.GetIssueAsync(1, issueId))!.Severity);
    }

    [Fact]
    public async Task OverviewHasEveryProjectsHealthTrendAndTotalFromOnePass()
    {
        System.Text.Json.Nodes.JsonObject At(string type, string level = "error", string platform = "python", int hoursAgo = 0)
        {
            var e = Envelopes.ErrorEvent(Envelopes.NewEventId(), type: type, level: level);
            e["timestamp"] = H.Clock.GetUtcNow().AddHours(-hoursAgo).ToUnixTimeMilliseconds() / 1000.0;
            e["platform"] = platform;
            return e;
        }
        await H.IngestAsync(At("OvOld", hoursAgo: 30));         // project 1: unresolved but quiet for a day
        await H.IngestAsync(At("OvFatal", level: "fatal"));     // project 1: active and critical
        await H.IngestAsync(At("OvFatal", level: "fatal"));
        await H.IngestAsync(At("OvTwoHours", hoursAgo: 2));     // project 1: active
        var resolved = await H.IssueOfAsync("OvResolved");      // project 1: resolved, not counted
        Assert.True(await H.Store.SetIssueStatusAsync(1, resolved, IssueStatus.Resolved, "resolved", "test"));
        await H.IngestAsync(At("OvJs", platform: "javascript"), project: 2);

        var overview = await H.Store.OverviewAsync(24);
        var one = overview[1];
        Assert.Equal(new ProjectHealth(3, 2, 1, "python"), one.Health);
        Assert.Equal(24, one.Hourly.Length);
        Assert.Equal(3, one.Hourly[^1]);     // OvFatal ×2 + OvResolved, this hour
        Assert.Equal(1, one.Hourly[^3]);     // OvTwoHours
        Assert.Equal(4, one.Hourly.Sum());   // the 30-hour-old event is outside the window…
        Assert.Equal(5, one.TotalEvents);    // …but still counted in the total
        Assert.Equal(await H.Store.CountEventsAsync(1), one.TotalEvents);
        Assert.Equal(await H.Store.ProjectHourlyAsync(1, 24), one.Hourly);
        Assert.Equal(new ProjectHealth(1, 1, 0, "javascript"), overview[2].Health);
        Assert.Equal(1, overview[2].TotalEvents);
        Assert.False(overview.ContainsKey(3));
    }

    [Fact]
    public async Task ProjectsAndTokensRoundTrip()
    {
        var p = await H.Store.CreateProjectAsync("new", "abcdefabcdefabcdefabcdefabcdef12", "rig-x");
        Assert.Equal(3, p.Id);
        await H.Store.UpdateProjectSettingsAsync(3, new ProjectSettings { Name = "renamed", HeartbeatIntervalSecs = 60, DetectionThresholds = "fatal=2" }, byAdmin: true);
        await H.Store.RecordHeartbeatAsync(3, "https://svc.example/health");
        var read = await H.Store.GetProjectAsync(3);
        Assert.Equal(("renamed", 60, "https://svc.example/health", false), (read!.Name, read.HeartbeatIntervalSecs, read.ServiceUrl, read.ServiceUrlByAdmin));
        Assert.Equal("fatal=2", read.DetectionThresholds);

        var t = await H.Store.CreateTokenAsync("ci", 3, TokenScope.Project);
        Assert.Equal(t.Token.Id, (await H.Store.FindTokenAsync(t.Secret))!.Id);
        Assert.Single(await H.Store.ListTokensAsync(3));
        Assert.True(await H.Store.RevokeTokenAsync(t.Token.Id));
        Assert.Null(await H.Store.FindTokenAsync(t.Secret));
    }

    [Fact]
    public async Task HourlyCountsFollowTheClock()
    {
        // Event timestamps come from the SDK; put them at the manual clock's time.
        var evt = Envelopes.ErrorEvent(Envelopes.NewEventId(), type: "Hourly");
        evt["timestamp"] = H.Clock.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;
        await H.IngestAsync(evt);
        var issueId = (await H.Store.ListIssuesAsync(new IssueFilter { ProjectId = 1, Query = "hourly" })).Items.Single().Id;
        var hours = await H.Store.IssueHourlyAsync(issueId, 24);
        Assert.Equal(1, hours[^1]);
        Assert.Equal(1, hours.Sum());
        Assert.Equal(1, (await H.Store.ProjectHourlyAsync(1, 24))[^1]);
    }
}

public sealed class StoreTestsOnSqlite() : StoreTests(SqliteTestBackend.Instance);

[Collection(MariaDbCollection.Name)]
public sealed class StoreTestsOnMariaDb(MariaDbServer db) : StoreTests(new MariaDbTestBackend(db));
