using Faultline.Core.Config;
using Faultline.Core.Ingest;
using Faultline.Core.Notify;
using Faultline.Core.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Faultline.Core.Loop;

/// <summary>
/// Turns store changes into Slack messages: new error issues, resolutions, regressions and escalations.
/// It has its own subscription (which drops rather than blocks) and <see cref="SlackNotifier"/> queues
/// without waiting, so neither a slow database read here nor a dead Slack can slow ingest.
/// Info/warning-level new issues are not announced: they are not what a channel should be woken for.
/// </summary>
public sealed class SlackLoopRelay : BackgroundService
{
    readonly IssueEvents.Subscription _subscription;
    readonly ISlackNotifier _slack;
    readonly FaultlineStore _store;
    readonly LoopStore _loop;
    readonly ProjectDirectory _projects;
    readonly string _baseUrl;
    readonly ILogger _log;

    public SlackLoopRelay(IssueEvents events, ISlackNotifier slack, FaultlineStore store, LoopStore loop, ProjectDirectory projects,
        FaultlineOptions options, ILogger<SlackLoopRelay> log)
    {
        (_slack, _store, _loop, _projects, _baseUrl, _log) = (slack, store, loop, projects, options.ApiUrl, log);
        _subscription = events.Subscribe();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var change in _subscription.Reader.ReadAllAsync(stoppingToken))
            {
                try { await RelayAsync(change); }
                catch (Exception ex) { _log.LogWarning(ex, "Could not build a Slack message for issue {IssueId}", change.IssueId); }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
    }

    public override void Dispose()
    {
        _subscription.Dispose();
        base.Dispose();
    }

    async Task RelayAsync(StoreChange change)
    {
        var wanted = change.Kind switch
        {
            StoreChange.EventStored => change.NewIssue && change.Level is "error" or "fatal",
            StoreChange.IssueRegressed => true,
            StoreChange.IssueChanged => change.Detail is "resolved" || change.Detail?.StartsWith("escalation:", StringComparison.Ordinal) == true,
            _ => false,
        };
        if (!wanted || await _store.GetIssueAsync(change.ProjectId, change.IssueId) is not { } issue) return;

        var info = new SlackIssueInfo
        {
            ProjectId = issue.ProjectId, IssueId = issue.Id, Title = issue.Title, DashboardBaseUrl = _baseUrl,
            ProjectName = _projects.ById(issue.ProjectId)?.Name, Culprit = issue.Culprit, Level = issue.Level,
            EventCount = issue.EventCount, Environment = issue.Environments.FirstOrDefault(), Release = issue.LastRelease,
            BeadId = issue.BeadId,
        };
        var message = change.Kind switch
        {
            StoreChange.EventStored => SlackMessages.NewIssue(info),
            StoreChange.IssueRegressed => SlackMessages.Regression(info, Math.Max(1, issue.RegressionCount), issue.BeadId),
            _ when change.Detail == "resolved" => SlackMessages.Resolved(info, (await _loop.GetAsync(issue.Id))?.CloseReason),
            _ => SlackMessages.Escalation(info, change.Detail!["escalation:".Length..] is { Length: > 0 } id ? id : null,
                $"regressed {issue.RegressionCount} times"),
        };
        _slack.Enqueue(message);
    }
}
