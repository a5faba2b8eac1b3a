using System.Text;
using Faultline.Core.Loop;

namespace Faultline.Tests.Loop;

public class GitHubWorkflowRunTests
{
    // A trimmed workflow_run delivery, written for these tests in the shape GitHub documents.
    const string Completed = """
    {
      "action": "completed",
      "workflow_run": {
        "id": 9876543210,
        "name": "CI",
        "head_branch": "main",
        "head_sha": "4f9c2a1b7e3d5c6a8b9f0e1d2c3b4a5f6e7d8c9b",
        "run_number": 118,
        "event": "push",
        "status": "completed",
        "conclusion": "failure",
        "workflow_id": 4242,
        "html_url": "https://github.com/acme/shop/actions/runs/9876543210",
        "created_at": "2026-06-01T11:50:00Z",
        "updated_at": "2026-06-01T11:58:31Z",
        "run_attempt": 2,
        "actor": { "login": "octo" },
        "pull_requests": []
      },
      "workflow": { "id": 4242, "name": "CI", "path": ".github/workflows/ci.yml" },
      "repository": { "id": 1, "name": "shop", "full_name": "acme/shop", "private": true },
      "sender": { "login": "octo" }
    }
    """;

    [Fact]
    public void ParsesTheFieldsFaultlineUses()
    {
        var run = GitHubWorkflowRun.TryParse(Encoding.UTF8.GetBytes(Completed), out var error);
        Assert.Null(error);
        Assert.NotNull(run);
        Assert.Equal("completed", run.Action);
        Assert.Equal(9876543210, run.RunId);
        Assert.Equal("CI", run.Name);
        Assert.Equal("failure", run.Conclusion);
        Assert.Equal("completed", run.Status);
        Assert.Equal("main", run.HeadBranch);
        Assert.Equal("4f9c2a1b7e3d5c6a8b9f0e1d2c3b4a5f6e7d8c9b", run.HeadSha);
        Assert.Equal("https://github.com/acme/shop/actions/runs/9876543210", run.HtmlUrl);
        Assert.Equal(2, run.RunAttempt);
        Assert.Equal(new DateTimeOffset(2026, 6, 1, 11, 58, 31, TimeSpan.Zero), run.UpdatedAt);
        Assert.Equal("acme/shop", run.RepositoryFullName);
        Assert.True(run.IsFailure);
        Assert.False(run.IsSuccess);
        Assert.Equal("9876543210:2", run.DeliveryKey);
    }

    [Fact]
    public void InProgressRunHasNoConclusion()
    {
        var json = """{"action":"in_progress","workflow_run":{"id":5,"status":"in_progress","conclusion":null}}""";
        var run = GitHubWorkflowRun.TryParse(Encoding.UTF8.GetBytes(json), out _)!;
        Assert.Null(run.Conclusion);
        Assert.False(run.IsCompleted);
        Assert.False(run.IsFailure);
        Assert.Equal(1, run.RunAttempt);
        Assert.Null(run.RepositoryFullName);
    }

    [Theory]
    [InlineData("success", false, true)]
    [InlineData("timed_out", true, false)]
    [InlineData("startup_failure", true, false)]
    [InlineData("cancelled", false, false)]
    [InlineData("skipped", false, false)]
    public void ClassifiesConclusions(string conclusion, bool failure, bool success)
    {
        var json = $$$"""{"action":"completed","workflow_run":{"id":5,"status":"completed","conclusion":"{{{conclusion}}}"}}""";
        var run = GitHubWorkflowRun.TryParse(Encoding.UTF8.GetBytes(json), out _)!;
        Assert.Equal(failure, run.IsFailure);
        Assert.Equal(success, run.IsSuccess);
    }

    [Theory]
    [InlineData("not json", "body is not JSON")]
    [InlineData("[1,2]", "body is not a JSON object")]
    [InlineData("""{"zen":"Keep it logically awesome.","hook_id":1}""", "no workflow_run object")]
    [InlineData("""{"action":"completed","workflow_run":{"name":"CI"}}""", "workflow_run.id missing")]
    public void RefusesOtherPayloads(string body, string expected)
    {
        Assert.Null(GitHubWorkflowRun.TryParse(Encoding.UTF8.GetBytes(body), out var error));
        Assert.Equal(expected, error);
    }
}
