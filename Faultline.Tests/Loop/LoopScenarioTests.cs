using Faultline.Core.Issues;

namespace Faultline.Tests.Loop;

/// <summary>
/// The loop end to end: real host, real HTTP ingest, stand-in bd/gt processes, time moved by hand.
/// Background work (change stream → worker) is awaited with Eventually; time-driven work (slow burn,
/// poll, quiet period, retries) is triggered with RunOnceAsync after moving the clock.
/// </summary>
public sealed class LoopScenarioTests : IAsyncLifetime
{
    LoopHost _h = null!;

    public async Task InitializeAsync() => _h = await LoopHost.StartAsync();
    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task BurstOfThreeErrorsFilesOneBeadAndDispatchesIt()
    {
        await _h.SendAsync();
        await _h.SendAsync();
        var issue = await _h.IssueAsync();
        await LoopHost.Eventually(async () => _h.Loop.ObservedEvents >= 2, "two events observed");
        Assert.Empty(_h.Calls("bd", "create"));

        await _h.SendAsync();
        await _h.WaitForKindAsync(issue.Id, "dispatched");

        var create = Assert.Single(_h.Calls("bd", "create"));
        Assert.Contains("--type=bug", create);
        Assert.Contains("--priority=1", create);
        Assert.Contains(create, a => a.StartsWith("--labels=faultline,error:handled,platform:python", StringComparison.Ordinal));
        Assert.DoesNotContain(create, a => a.StartsWith("--rig", StringComparison.Ordinal));
        var raw = Assert.Single(_h.RawCalls("bd", "create"));
        Assert.Equal(Path.Combine(_h.Town.Root, StandInTown.Rig, ".beads"), raw["env"]!["BEADS_DIR"]!.GetValue<string>());
        var body = raw["stdin"]!.GetValue<string>();
        Assert.Contains("ValueError", body);
        Assert.Contains("app/views.py:10 in handler", body);
        Assert.Contains($"http://faultline.test/api/1/issues/{issue.Id}/context/", body);
        Assert.Contains("production", body);
        Assert.Contains("app@1.0.0", body);

        var after = await _h.IssueAsync();
        Assert.Equal(IssueStatus.Fixing, after.Status);
        Assert.NotNull(after.BeadId);
        Assert.Equal(["detection", "bead_filed", "dispatched"], await _h.KindsAsync(issue.Id));
        Assert.Contains("burst", await _h.DetailAsync(issue.Id, "detection"));
        Assert.Equal(["sling", after.BeadId!, StandInTown.Rig], Assert.Single(_h.Calls("gt", "sling")));
        Assert.Equal("hooked", _h.Town.Bead(after.BeadId!)!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task OneFatalEventFilesACriticalP0BeadImmediately()
    {
        await _h.SendAsync(level: "fatal", type: "Crash");
        var issue = await _h.IssueAsync(type: "Crash");
        await _h.WaitForKindAsync(issue.Id, "bead_filed");
        var create = Assert.Single(_h.Calls("bd", "create"));
        Assert.Contains("--priority=0", create);
        Assert.Contains(create, a => a.StartsWith("--labels=", StringComparison.Ordinal) && a.Contains(",critical"));
        Assert.Contains("fatal", await _h.DetailAsync(issue.Id, "detection"));
    }

    [Fact]
    public async Task SlowBurnFilesAfterAnHourWithoutABead()
    {
        await _h.SendAsync();
        var issue = await _h.IssueAsync();
        await LoopHost.Eventually(async () => _h.Loop.ObservedEvents >= 1, "event observed");

        _h.Clock.Advance(TimeSpan.FromMinutes(59));
        await _h.Loop.RunOnceAsync();
        Assert.Empty(_h.Calls("bd", "create"));

        _h.Clock.Advance(TimeSpan.FromMinutes(2));
        await _h.Loop.RunOnceAsync();
        var create = Assert.Single(_h.Calls("bd", "create"));
        Assert.Contains("--priority=2", create);
        Assert.Contains("slow_burn", await _h.DetailAsync(issue.Id, "detection"));
        Assert.Equal(IssueStatus.Fixing, (await _h.IssueAsync()).Status);
    }

    [Fact]
    public async Task AHundredEventsMakeOneBead()
    {
        for (var batch = 0; batch < 10; batch++)
            await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => _h.SendAsync()));
        var issue = await _h.IssueAsync();
        await LoopHost.Eventually(async () => _h.Loop.ObservedEvents >= 100, "100 events observed");
        await _h.WaitForKindAsync(issue.Id, "dispatched");
        await _h.Loop.RunOnceAsync();
        _h.Clock.Advance(TimeSpan.FromHours(2)); // not even the slow burn may file a second one
        await _h.Loop.RunOnceAsync();
        Assert.Single(_h.Calls("bd", "create"));
        Assert.Single(await _h.KindsAsync(issue.Id), k => k == "bead_filed");
        Assert.Equal(100, (await _h.IssueAsync()).EventCount);
    }

    [Fact]
    public async Task FailedDispatchIsOnTheTimelineAndRetriedWithBackoff()
    {
        _h.Town.Fail("gt", "sling", "rig gastown is parked");
        await _h.SendAsync(level: "fatal");
        var issue = await _h.IssueAsync();
        await _h.WaitForKindAsync(issue.Id, "error");
        Assert.Contains("gt sling", await _h.DetailAsync(issue.Id, "error"));
        Assert.Contains("rig gastown is parked", await _h.DetailAsync(issue.Id, "error"));
        Assert.Equal(IssueStatus.Fixing, (await _h.IssueAsync()).Status);

        File.Delete(Path.Combine(_h.Town.StateDir, "fail-gt-sling"));
        await _h.Loop.RunOnceAsync(); // back-off not over yet
        Assert.Single(_h.Calls("gt", "sling"));

        _h.Clock.Advance(TimeSpan.FromMinutes(2));
        await _h.Loop.RunOnceAsync();
        Assert.Equal(2, _h.Calls("gt", "sling").Count);
        Assert.Equal("dispatched", (await _h.KindsAsync(issue.Id)).Last());
    }

    [Fact]
    public async Task ClosedBeadQuietPeriodThenResolved()
    {
        var (issue, bead) = await FileBeadAsync();
        _h.CloseBead(bead, "Merged in gt-mr-7k2q");
        await _h.Loop.RunOnceAsync();
        Assert.Equal(IssueStatus.Stabilizing, (await _h.IssueAsync()).Status);
        Assert.Contains("Merged in gt-mr-7k2q", await _h.DetailAsync(issue.Id, "bead_closed"));

        _h.Clock.Advance(TimeSpan.FromMinutes(9));
        await _h.Loop.RunOnceAsync();
        Assert.Equal(IssueStatus.Stabilizing, (await _h.IssueAsync()).Status);

        _h.Clock.Advance(TimeSpan.FromMinutes(2));
        await _h.Loop.RunOnceAsync();
        var resolved = await _h.IssueAsync();
        Assert.Equal(IssueStatus.Resolved, resolved.Status);
        Assert.NotNull(resolved.ResolvedAt);
        Assert.Equal("resolved", (await _h.KindsAsync(issue.Id)).Last());
    }

    [Fact]
    public async Task EventDuringTheQuietPeriodCancelsTheResolution()
    {
        var (issue, bead) = await FileBeadAsync();
        _h.CloseBead(bead);
        await _h.Loop.RunOnceAsync();
        _h.Clock.Advance(TimeSpan.FromMinutes(3));

        await _h.SendAsync();
        await _h.WaitForKindAsync(issue.Id, "resolution_cancelled");
        Assert.Equal(IssueStatus.Active, (await _h.IssueAsync()).Status);
        Assert.Contains("into the quiet period", await _h.DetailAsync(issue.Id, "resolution_cancelled"));

        _h.Clock.Advance(TimeSpan.FromMinutes(10));
        await _h.Loop.RunOnceAsync();
        Assert.Equal(IssueStatus.Active, (await _h.IssueAsync()).Status); // never resolved
    }

    [Fact]
    public async Task RegressionFilesANewLabelledBeadAndTheSecondEscalates()
    {
        var (issue, first, regressed) = await RegressOnceAsync();
        Assert.Equal(Severity.Aftershock, regressed.Severity);
        Assert.Equal(1, regressed.RegressionCount);
        Assert.NotEqual(first, regressed.BeadId);
        var create = _h.Calls("bd", "create")[1];
        Assert.Contains(create, a => a.StartsWith("--labels=", StringComparison.Ordinal) && a.Contains("error:regression"));
        Assert.Contains($"--deps=related:{first}", create);
        Assert.Contains("--priority=1", create);
        var kinds = await _h.KindsAsync(issue.Id);
        Assert.Single(kinds, k => k == "regressed");
        Assert.DoesNotContain("escalation", kinds);
        Assert.Empty(_h.Calls("gt", "escalate"));

        var second = regressed.BeadId!;
        await _h.WaitForKindAsync(issue.Id, "dispatched", count: 2);
        await ResolveAsync(second);
        _h.Clock.Advance(TimeSpan.FromHours(1));
        await _h.SendAsync();
        await _h.WaitForKindAsync(issue.Id, "escalation");
        var third = await _h.IssueAsync();
        Assert.Equal(2, third.RegressionCount);
        Assert.Contains("--priority=0", _h.Calls("bd", "create")[2]);
        var escalate = Assert.Single(_h.Calls("gt", "escalate"));
        Assert.Contains("--severity=high", escalate);
        Assert.Contains($"--related={third.BeadId}", escalate);
        Assert.Contains("hq-esc1", await _h.DetailAsync(issue.Id, "escalation"));
    }

    [Fact]
    public async Task AFailedEscalationIsRetriedOnTheTickUntilItGoesThrough()
    {
        var (issue, _, regressed) = await RegressOnceAsync();
        var second = regressed.BeadId!;
        await _h.WaitForKindAsync(issue.Id, "dispatched", count: 2);

        _h.Town.Fail("gt", "escalate", "mail router down");
        await ResolveAsync(second);
        _h.Clock.Advance(TimeSpan.FromHours(1));
        await _h.SendAsync();
        await _h.WaitForKindAsync(issue.Id, "bead_filed", count: 3);
        await _h.Loop.RunOnceAsync(poll: false);
        Assert.Contains("gt escalate failed (attempt 1; next try in", await _h.DetailAsync(issue.Id, "error"));
        Assert.Contains("mail router down", await _h.DetailAsync(issue.Id, "error"));
        Assert.DoesNotContain("escalation", await _h.KindsAsync(issue.Id));

        File.Delete(Path.Combine(_h.Town.StateDir, "fail-gt-escalate"));
        await _h.Loop.RunOnceAsync(poll: false); // the back-off has not passed: no new attempt
        Assert.Single(_h.Calls("gt", "escalate"));
        _h.Clock.Advance(Faultline.Core.Loop.LoopService.Backoff(1));
        await _h.Loop.RunOnceAsync(poll: false);
        Assert.Equal(2, _h.Calls("gt", "escalate").Count);
        var third = await _h.IssueAsync();
        Assert.Contains($"--related={third.BeadId}", _h.Calls("gt", "escalate")[1]);
        Assert.Contains("regression #2: escalated to Gas Town as hq-esc1", await _h.DetailAsync(issue.Id, "escalation"));
        _h.Clock.Advance(TimeSpan.FromMinutes(30));
        await _h.Loop.RunOnceAsync(poll: false);
        Assert.Equal(2, _h.Calls("gt", "escalate").Count); // escalated once, not again
    }

    [Fact]
    public async Task RecurrenceAfter24HoursReopensAsAFreshCycle()
    {
        var (issue, first) = await FileBeadAsync();
        await ResolveAsync(first);
        _h.Clock.Advance(TimeSpan.FromHours(25));
        await _h.SendAsync();
        await _h.WaitForKindAsync(issue.Id, "reopened");
        var reopened = await _h.IssueAsync();
        Assert.Equal(IssueStatus.Active, reopened.Status);
        Assert.Equal(0, reopened.RegressionCount);
        await _h.Loop.RunOnceAsync();
        Assert.Single(_h.Calls("bd", "create")); // one event is no burst: the new cycle waits for the thresholds

        await _h.SendAsync();
        await _h.SendAsync();
        await _h.WaitForKindAsync(issue.Id, "bead_filed", count: 2);
        Assert.DoesNotContain(_h.Calls("bd", "create")[1], a => a.Contains("error:regression"));
    }

    [Fact]
    public async Task RestartInTheMiddleOfAQuietPeriodResumesIt()
    {
        var (issue, bead) = await FileBeadAsync();
        _h.CloseBead(bead);
        await _h.Loop.RunOnceAsync();
        Assert.Equal(IssueStatus.Stabilizing, (await _h.IssueAsync()).Status);

        _h.Clock.Advance(TimeSpan.FromMinutes(6));
        await _h.RestartAsync();
        await _h.Loop.RunOnceAsync();
        Assert.Equal(IssueStatus.Stabilizing, (await _h.IssueAsync()).Status);

        // 11 minutes after the close, 5 after the restart: only a persisted start resolves now.
        _h.Clock.Advance(TimeSpan.FromMinutes(5));
        await _h.Loop.RunOnceAsync();
        Assert.Equal(IssueStatus.Resolved, (await _h.IssueAsync()).Status);
        Assert.Single(await _h.KindsAsync(issue.Id), k => k == "bead_closed");
    }

    [Fact]
    public async Task TrackerStateSurvivesARestart()
    {
        await _h.SendAsync();
        await _h.SendAsync();
        var issue = await _h.IssueAsync();
        await LoopHost.Eventually(async () => _h.Loop.ObservedEvents >= 2, "two events observed");
        await _h.RestartAsync();

        await _h.SendAsync(); // the third of the burst, counted with the two from before the restart
        await _h.WaitForKindAsync(issue.Id, "bead_filed");
        Assert.Contains("burst", await _h.DetailAsync(issue.Id, "detection"));
    }

    [Fact]
    public async Task ProjectWithoutARigNeverFilesBeads()
    {
        await _h.SendAsync(level: "fatal", project: 2);
        await _h.SendAsync(level: "fatal", project: 1, type: "Other");
        var other = await _h.IssueAsync(type: "Other");
        await _h.WaitForKindAsync(other.Id, "bead_filed");
        _h.Clock.Advance(TimeSpan.FromHours(2));
        await _h.Loop.RunOnceAsync();
        Assert.Single(_h.Calls("bd", "create"));
        Assert.Empty(await _h.KindsAsync((await _h.IssueAsync(project: 2)).Id, project: 2));
    }

    /// <summary>A filed bead, resolved, then a recurrence two hours later: returns once the regression bead is filed.</summary>
    async Task<(Issue Issue, string FirstBead, Issue Regressed)> RegressOnceAsync()
    {
        var (issue, first) = await FileBeadAsync();
        await ResolveAsync(first);
        _h.Clock.Advance(TimeSpan.FromHours(2));
        await _h.SendAsync();
        await _h.WaitForKindAsync(issue.Id, "bead_filed", count: 2);
        return (issue, first, await _h.IssueAsync());
    }

    async Task<(Issue Issue, string BeadId)> FileBeadAsync()
    {
        await _h.SendAsync(level: "fatal");
        var issue = await _h.IssueAsync();
        await _h.WaitForKindAsync(issue.Id, "dispatched");
        // The bead closes a little later than the events that caused it.
        _h.Clock.Advance(TimeSpan.FromMinutes(1));
        return (issue, (await _h.IssueAsync()).BeadId!);
    }

    async Task ResolveAsync(string beadId)
    {
        _h.CloseBead(beadId);
        await _h.Loop.RunOnceAsync();
        Assert.Equal(IssueStatus.Stabilizing, (await _h.IssueAsync()).Status);
        _h.Clock.Advance(TimeSpan.FromMinutes(11));
        await _h.Loop.RunOnceAsync();
        Assert.Equal(IssueStatus.Resolved, (await _h.IssueAsync()).Status);
    }
}
