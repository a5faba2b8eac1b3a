using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Faultline.Core.Loop;

/// <summary>
/// A failed GitHub Actions run as a Sentry-shaped event, so it is grouped, counted and beaded like any
/// other error. The event id is derived from (repository, run, attempt): a redelivered webhook produces the
/// same id, which the events table's unique key turns into a harmless duplicate. The fingerprint groups
/// every failure of one workflow on one branch into one issue.
/// </summary>
public static class CiFailureEvent
{
    public static string EventId(GitHubWorkflowRun run) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"github:{run.RepositoryFullName}:{run.RunId}:{run.RunAttempt}")))[..32];

    public static JsonObject Build(GitHubWorkflowRun run, DateTime receivedAt)
    {
        var workflow = run.Name ?? "workflow";
        var branch = run.HeadBranch ?? "unknown branch";
        var sha = run.HeadSha is { Length: > 7 } s ? s[..7] : run.HeadSha ?? "unknown";
        var when = run.UpdatedAt?.UtcDateTime ?? receivedAt;
        var tags = new JsonObject { ["ci"] = "github", ["workflow"] = workflow, ["branch"] = branch, ["conclusion"] = run.Conclusion ?? "unknown" };
        if (run.RepositoryFullName is { } repo) tags["repository"] = repo;
        return new JsonObject
        {
            ["event_id"] = EventId(run),
            ["timestamp"] = when.ToString("O", CultureInfo.InvariantCulture),
            ["platform"] = "other",
            ["level"] = "error",
            ["logger"] = "github-actions",
            ["culprit"] = $"{workflow} ({branch})",
            ["release"] = run.HeadSha,
            ["message"] = $"CI {run.Conclusion ?? "failure"}: {workflow} on {branch} @ {sha}",
            ["fingerprint"] = new JsonArray("github-actions", run.RepositoryFullName ?? "", workflow, branch),
            ["tags"] = tags,
            ["exception"] = new JsonObject
            {
                ["values"] = new JsonArray(new JsonObject
                {
                    ["type"] = "CIFailure",
                    ["value"] = $"{workflow} {run.Conclusion ?? "failed"} on {branch} @ {sha}",
                    ["mechanism"] = new JsonObject { ["type"] = "github_workflow_run", ["handled"] = false },
                }),
            },
            ["contexts"] = new JsonObject
            {
                ["ci"] = new JsonObject
                {
                    ["type"] = "github_actions", ["run_id"] = run.RunId, ["run_attempt"] = run.RunAttempt, ["url"] = run.HtmlUrl,
                    ["head_sha"] = run.HeadSha, ["repository"] = run.RepositoryFullName,
                },
            },
        };
    }
}
