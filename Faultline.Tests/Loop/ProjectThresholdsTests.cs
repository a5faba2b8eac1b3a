using Faultline.Core.Ingest;
using Faultline.Core.Loop;
using Faultline.Core.Notify;
using Faultline.Core.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Faultline.Tests.Loop;

/// <summary>Detection thresholds set on the settings page reach the running tracker; FAULTLINE_DETECTION_THRESHOLDS wins.</summary>
public sealed class ProjectThresholdsTests : IAsyncLifetime
{
    LoopHost _h = null!;

    public async Task InitializeAsync() => _h = await LoopHost.StartAsync(new() { [DetectionThresholdsParser.Variable] = "2:fatal=3" });
    public async Task DisposeAsync() => await _h.DisposeAsync();

    BeadTracker Tracker => _h.Server.Services.GetRequiredService<BeadTracker>();

    /// <summary>What the settings page does on save: store, reload the directory, publish ProjectChanged.</summary>
    async Task SaveAsync(long projectId, string? thresholds)
    {
        var services = _h.Server.Services;
        var store = services.GetRequiredService<FaultlineStore>();
        var p = (await store.GetProjectAsync(projectId))!;
        await store.UpdateProjectSettingsAsync(projectId, new ProjectSettings { Name = p.Name, Rig = p.Rig, DetectionThresholds = thresholds }, byAdmin: true);
        await services.GetRequiredService<ProjectDirectory>().ReloadAsync();
        services.GetRequiredService<IssueEvents>().Publish(new StoreChange { Kind = StoreChange.ProjectChanged, ProjectId = projectId, At = DateTime.UtcNow });
    }

    async Task UntilAsync(Func<bool> condition, string what)
    {
        for (var i = 0; i < 100 && !condition(); i++) await Task.Delay(50);
        Assert.True(condition(), what);
    }

    [Fact]
    public async Task SettingsApplyAtOnceAndAfterARestartButTheVariableWins()
    {
        Assert.Equal(DetectionThresholds.Default, Tracker.ThresholdsFor(1));
        await UntilAsync(() => Tracker.ThresholdsFor(2).FatalCount == 3, "the variable sets project 2");

        await SaveAsync(1, "burst=7/1m,slow_burn=2h");
        await UntilAsync(() => Tracker.ThresholdsFor(1).BurstCount == 7, "the saved burst count applies");
        Assert.Equal(new DetectionThresholds { BurstCount = 7, BurstWindow = TimeSpan.FromMinutes(1), SlowBurnAfter = TimeSpan.FromHours(2) },
            Tracker.ThresholdsFor(1));

        await SaveAsync(2, "fatal=9");
        await SaveAsync(1, "burst=8/1m"); // changes are handled in order: once this one shows, project 2's was handled too
        await UntilAsync(() => Tracker.ThresholdsFor(1).BurstCount == 8, "the second save applies");
        Assert.Equal(3, Tracker.ThresholdsFor(2).FatalCount);

        await _h.RestartAsync();
        await UntilAsync(() => Tracker.ThresholdsFor(1).BurstCount == 8, "the stored setting applies after a restart");
        Assert.Equal(3, Tracker.ThresholdsFor(2).FatalCount);

        await SaveAsync(1, null);
        await UntilAsync(() => Tracker.ThresholdsFor(1) == DetectionThresholds.Default, "clearing the field restores the defaults");
    }
}
