using Faultline.Tests.Fixtures;
using Faultline.Core.Loop;

namespace Faultline.Tests.Loop;

public class BeadTrackerTests
{
    const long Project = 1;
    readonly ManualClock _clock = new();
    readonly BeadTracker _tracker;

    public BeadTrackerTests() => _tracker = new BeadTracker(_clock);

    Detection? Event(long issue, string level = "error") => _tracker.Observe(issue, Project, _clock.UtcNow, level);

    [Fact]
    public void BurstNeedsThreeErrorsWithinFiveMinutes()
    {
        Assert.Null(Event(7));
        _clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Null(Event(7));
        _clock.Advance(TimeSpan.FromMinutes(2));
        var d = Event(7);
        Assert.NotNull(d);
        Assert.Equal(DetectionReason.Burst, d.Reason);
        Assert.Equal("burst", d.ReasonName);
        Assert.Equal(7, d.IssueId);
        Assert.Equal(1, d.Priority);
        Assert.Equal("3 error/fatal events within 5m", d.Detail);
    }

    [Fact]
    public void EventsSpreadWiderThanTheWindowAreNoBurst()
    {
        Assert.Null(Event(7));
        _clock.Advance(TimeSpan.FromMinutes(3));
        Assert.Null(Event(7));
        _clock.Advance(TimeSpan.FromMinutes(3)); // the first one left the window
        Assert.Null(Event(7));
        _clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(DetectionReason.Burst, Event(7)?.Reason);
    }

    [Fact]
    public void WarningsAndInfoNeverCount()
    {
        for (var i = 0; i < 10; i++) Assert.Null(Event(7, i % 2 == 0 ? "warning" : "info"));
        Assert.Equal(0, _tracker.TrackedIssueCount);
        _clock.Advance(TimeSpan.FromHours(2));
        Assert.Empty(_tracker.Tick());
    }

    [Fact]
    public void OneFatalFilesImmediatelyAtPriorityZero()
    {
        var d = Event(9, "fatal");
        Assert.NotNull(d);
        Assert.Equal(DetectionReason.Fatal, d.Reason);
        Assert.Equal(0, d.Priority);
        Assert.Equal(DetectionReason.Fatal, _tracker.Observe(10, Project, _clock.UtcNow, "FATAL")?.Reason);
    }

    [Fact]
    public void SlowBurnFiresFromTheTickAfterAnHour()
    {
        Assert.Null(Event(7));
        _clock.Advance(TimeSpan.FromMinutes(59));
        Assert.Empty(_tracker.Tick());
        _clock.Advance(TimeSpan.FromMinutes(2));
        var d = Assert.Single(_tracker.Tick());
        Assert.Equal(DetectionReason.SlowBurn, d.Reason);
        Assert.Equal("slow_burn", d.ReasonName);
        Assert.Equal(2, d.Priority);
        Assert.StartsWith("error issue without a bead for 1h 1m", d.Detail);
    }

    [Fact]
    public void NoStormWhileADetectionIsPendingOrABeadIsOpen()
    {
        Assert.Null(Event(7)); Assert.Null(Event(7));
        Assert.NotNull(Event(7));
        // Bad deploy: the error keeps pouring in before and after the bead is filed.
        for (var i = 0; i < 50; i++) Assert.Null(Event(7, i % 5 == 0 ? "fatal" : "error"));
        _tracker.MarkBeadOpen(7, Project);
        for (var i = 0; i < 50; i++) Assert.Null(Event(7, "fatal"));
        _clock.Advance(TimeSpan.FromHours(5));
        Assert.Empty(_tracker.Tick());
        Assert.Equal(0, _tracker.RecentCount(7)); // an open bead keeps no timestamps
    }

    [Fact]
    public void ClearingStartsAFreshCycle()
    {
        _tracker.MarkBeadOpen(7, Project);
        Assert.Null(Event(7, "fatal"));
        _tracker.MarkBeadCleared(7);
        Assert.Equal(0, _tracker.TrackedIssueCount);
        Assert.Null(Event(7));
        Assert.Null(Event(7));
        Assert.Equal(DetectionReason.Burst, Event(7)?.Reason);
    }

    [Fact]
    public void FailedFilingRetriesAfterTheBackOff()
    {
        Assert.NotNull(Event(7, "fatal"));
        _tracker.MarkFilingFailed(7, TimeSpan.FromMinutes(1));
        Assert.Empty(_tracker.Tick());
        Assert.Null(Event(7, "fatal"));
        _clock.Advance(TimeSpan.FromSeconds(61));
        var retry = Assert.Single(_tracker.Tick());
        Assert.Equal(DetectionReason.Fatal, retry.Reason);
        Assert.Empty(_tracker.Tick()); // pending again until the outcome is reported
    }

    [Fact]
    public void ThresholdsArePerProject()
    {
        _tracker.SetThresholds(2, new DetectionThresholds { BurstCount = 5, BurstWindow = TimeSpan.FromMinutes(1), SlowBurnAfter = TimeSpan.FromMinutes(10) });
        for (var i = 0; i < 4; i++) Assert.Null(_tracker.Observe(70, 2, _clock.UtcNow, "error"));
        Assert.Equal(DetectionReason.Burst, _tracker.Observe(70, 2, _clock.UtcNow, "error")?.Reason);
        for (var i = 0; i < 2; i++) Assert.Null(Event(8));
        Assert.Equal(DetectionReason.Burst, Event(8)?.Reason); // project 1 still on defaults

        _tracker.Observe(71, 2, _clock.UtcNow, "error");
        _clock.Advance(TimeSpan.FromMinutes(11));
        Assert.Equal(71, Assert.Single(_tracker.Tick()).IssueId);
    }

    [Fact]
    public void InvalidThresholdsAreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _tracker.SetThresholds(1, new DetectionThresholds { BurstCount = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => _tracker.SetThresholds(1, new DetectionThresholds { SlowBurnAfter = TimeSpan.Zero }));
    }

    [Fact]
    public void SeedRebuildsStateAfterARestart()
    {
        var now = _clock.UtcNow;
        // Two recent errors survive the restart: one more event makes the burst.
        _tracker.Seed(7, Project, [(now.AddMinutes(-2), "error"), (now.AddMinutes(-1), "error"), (now.AddHours(-3), "warning")]);
        Assert.Empty(_tracker.Tick());
        Assert.Equal(DetectionReason.Burst, Event(7)?.Reason);

        // An old error with no bead: slow burn is due as soon as we tick.
        _tracker.Seed(8, Project, [(now.AddHours(-2), "error")]);
        Assert.Equal(DetectionReason.SlowBurn, Assert.Single(_tracker.Tick()).Reason);

        // An issue with an open bead stays silent whatever its history.
        _tracker.Seed(9, Project, [(now.AddMinutes(-1), "fatal")], hasOpenBead: true);
        Assert.Empty(_tracker.Tick());
        Assert.Null(Event(9, "fatal"));

        // Only warnings: nothing to remember.
        _tracker.Seed(10, Project, [(now, "warning")]);
        Assert.Equal(3, _tracker.TrackedIssueCount);
    }

    [Fact]
    public void SeededFatalWithoutABeadFiresOnTheNextTick()
    {
        _tracker.Seed(7, Project, [(_clock.UtcNow.AddMinutes(-30), "fatal")]);
        Assert.Equal(DetectionReason.Fatal, Assert.Single(_tracker.Tick()).Reason);
    }

    [Fact]
    public void MemoryStaysBoundedUnderAFlood()
    {
        _tracker.SetThresholds(Project, new DetectionThresholds { BurstCount = 1_000_000 });
        for (var i = 0; i < 10_000; i++)
        {
            _tracker.Observe(7, Project, _clock.UtcNow, "error");
            _clock.Advance(TimeSpan.FromSeconds(1));
        }
        // Only events inside the 5-minute window are kept (300 at one per second).
        Assert.InRange(_tracker.RecentCount(7), 1, 300);

        _tracker.SetThresholds(Project, DetectionThresholds.Default);
        _tracker.MarkBeadCleared(7);
        for (var i = 0; i < 2; i++) _tracker.Observe(7, Project, _clock.UtcNow.AddSeconds(-i), "error");
        Assert.Equal(2, _tracker.RecentCount(7));
    }

    [Fact]
    public void OnlyTheNewestBurstCountTimestampsAreKept()
    {
        _tracker.SetThresholds(Project, new DetectionThresholds { BurstCount = 3, FatalCount = 1000 });
        Event(7); Event(7); Assert.NotNull(Event(7));
        for (var i = 0; i < 100; i++) Event(7);
        Assert.Equal(3, _tracker.RecentCount(7));
    }

    [Fact]
    public void LateOrFutureTimestampsAreHandled()
    {
        // Far in the future (bad SDK clock): clamped to now, still counts once.
        Assert.Null(_tracker.Observe(7, Project, _clock.UtcNow.AddDays(3), "error"));
        // Older than the window: cannot make a burst, but does start the slow-burn clock.
        Assert.Null(_tracker.Observe(7, Project, _clock.UtcNow.AddMinutes(-30), "error"));
        Assert.Equal(1, _tracker.RecentCount(7));
        _clock.Advance(TimeSpan.FromMinutes(31));
        Assert.Equal(DetectionReason.SlowBurn, Assert.Single(_tracker.Tick()).Reason);
    }

    [Fact]
    public void ConcurrentObserversProduceExactlyOneDetection()
    {
        var detections = 0;
        Parallel.For(0, 2000, _ =>
        {
            if (_tracker.Observe(7, Project, _clock.UtcNow, "error") is not null) Interlocked.Increment(ref detections);
        });
        Assert.Equal(1, detections);
    }
}
