using System.Globalization;
using System.Text.Json;

namespace Faultline.Core.Loop;

/// <summary>
/// The parts of a GitHub Actions <c>workflow_run</c> webhook Faultline uses: failed runs become events,
/// successful ones are kept as fix evidence. (RunId, RunAttempt) identifies one run outcome, which is
/// what makes repeated deliveries idempotent.
/// </summary>
public sealed record GitHubWorkflowRun
{
    /// <summary>requested | in_progress | completed</summary>
    public required string Action { get; init; }
    public required long RunId { get; init; }
    public string? Name { get; init; }
    /// <summary>success | failure | cancelled | timed_out | action_required | neutral | skipped | stale | startup_failure | null while running</summary>
    public string? Conclusion { get; init; }
    public string? Status { get; init; }
    public string? HeadBranch { get; init; }
    public string? HeadSha { get; init; }
    public string? HtmlUrl { get; init; }
    public int RunAttempt { get; init; } = 1;
    public DateTimeOffset? UpdatedAt { get; init; }
    public string? RepositoryFullName { get; init; }

    public bool IsCompleted => Action == "completed" || Status == "completed";
    public bool IsSuccess => IsCompleted && Conclusion == "success";
    /// <summary>A real failure of the code or the pipeline; cancelled/skipped runs are not.</summary>
    public bool IsFailure => IsCompleted && Conclusion is "failure" or "timed_out" or "startup_failure";
    public string DeliveryKey => $"{RunId}:{RunAttempt}";

    /// <summary>Parses the raw webhook body. Returns null with a reason for anything that is not a workflow_run payload.</summary>
    public static GitHubWorkflowRun? TryParse(ReadOnlySpan<byte> body, out string? error)
    {
        error = null;
        JsonDocument doc;
        try { doc = JsonDocument.Parse(body.ToArray()); }
        catch (JsonException) { error = "body is not JSON"; return null; }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) { error = "body is not a JSON object"; return null; }
            if (!root.TryGetProperty("workflow_run", out var run) || run.ValueKind != JsonValueKind.Object)
            { error = "no workflow_run object"; return null; }
            if (!run.TryGetProperty("id", out var idEl) || !idEl.TryGetInt64(out var id))
            { error = "workflow_run.id missing"; return null; }

            string? repo = null;
            if (root.TryGetProperty("repository", out var repoEl) && repoEl.ValueKind == JsonValueKind.Object)
                repo = Str(repoEl, "full_name");

            return new GitHubWorkflowRun
            {
                Action = Str(root, "action") ?? "",
                RunId = id,
                Name = Str(run, "name"),
                Conclusion = Str(run, "conclusion"),
                Status = Str(run, "status"),
                HeadBranch = Str(run, "head_branch"),
                HeadSha = Str(run, "head_sha"),
                HtmlUrl = Str(run, "html_url"),
                RunAttempt = run.TryGetProperty("run_attempt", out var a) && a.TryGetInt32(out var attempt) && attempt > 0 ? attempt : 1,
                UpdatedAt = Str(run, "updated_at") is { } u
                    && DateTimeOffset.TryParse(u, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
                        ? t.ToUniversalTime() : null,
                RepositoryFullName = repo,
            };
        }
    }

    static string? Str(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
