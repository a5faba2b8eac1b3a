using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Faultline.Core.Issues;
using Faultline.Core.Loop;
using Faultline.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;

namespace Faultline.Tests.Loop;

/// <summary>The loop's HTTP surface: webhooks (signatures, replays), assign-bead, the context document.</summary>
public sealed class LoopHttpTests : IAsyncLifetime
{
    LoopHost _h = null!;

    public async Task InitializeAsync() => _h = await LoopHost.StartAsync();
    public async Task DisposeAsync() => await _h.DisposeAsync();

    HttpRequestMessage Hook(string path, string body, string? signature, string? delivery = null, string? githubEvent = null)
    {
        var req = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (signature is not null) req.Headers.Add(WebhookSignature.GitHubHeader, signature);
        if (delivery is not null) req.Headers.Add("X-GitHub-Delivery", delivery);
        if (githubEvent is not null) req.Headers.Add("X-GitHub-Event", githubEvent);
        return req;
    }

    static string Sign(string body, string secret = LoopHost.Secret) => WebhookSignature.ComputeHeader(secret, Encoding.UTF8.GetBytes(body));

    static string WorkflowRun(long runId, string conclusion, string name = "tests") => new JsonObject
    {
        ["action"] = "completed",
        ["workflow_run"] = new JsonObject
        {
            ["id"] = runId, ["name"] = name, ["status"] = "completed", ["conclusion"] = conclusion, ["head_branch"] = "main",
            ["head_sha"] = "0123456789abcdef0123456789abcdef01234567", ["html_url"] = $"https://github.com/acme/shop/actions/runs/{runId}",
            ["run_attempt"] = 1, ["updated_at"] = "2026-06-01T12:00:00Z",
        },
        ["repository"] = new JsonObject { ["full_name"] = "acme/shop" },
    }.ToJsonString();

    [Fact]
    public async Task ResolveHookNeedsAValidSignatureAndIsIdempotent()
    {
        await _h.SendAsync(level: "fatal");
        var issue = await _h.IssueAsync();
        await _h.WaitForKindAsync(issue.Id, "dispatched");
        var bead = (await _h.IssueAsync()).BeadId!;
        _h.Clock.Advance(TimeSpan.FromMinutes(1));
        var body = new JsonObject { ["bead_id"] = bead, ["close_reason"] = "Merged in gt-mr-9", ["status"] = "closed" }.ToJsonString();

        var missing = await _h.Server.Http.SendAsync(Hook("/api/hooks/resolve/", body, null));
        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        var bad = await _h.Server.Http.SendAsync(Hook("/api/hooks/resolve/", body, Sign(body, "wrong-secret")));
        Assert.Equal(HttpStatusCode.Unauthorized, bad.StatusCode);
        var tampered = await _h.Server.Http.SendAsync(Hook("/api/hooks/resolve/", body.Replace("gt-mr-9", "gt-mr-8"), Sign(body)));
        Assert.Equal(HttpStatusCode.Unauthorized, tampered.StatusCode);
        Assert.Equal(IssueStatus.Fixing, (await _h.IssueAsync()).Status);
        Assert.DoesNotContain("bead_closed", await _h.KindsAsync(issue.Id));

        var good = await _h.Server.Http.SendAsync(Hook("/api/hooks/resolve/", body, Sign(body)));
        Assert.Equal(HttpStatusCode.OK, good.StatusCode);
        Assert.Equal(1, (int)JsonNode.Parse(await good.Content.ReadAsStringAsync())!["issues_stabilizing"]!);
        Assert.Equal(IssueStatus.Stabilizing, (await _h.IssueAsync()).Status);
        Assert.Contains("Merged in gt-mr-9", await _h.DetailAsync(issue.Id, "bead_closed"));

        var replay = await _h.Server.Http.SendAsync(Hook("/api/hooks/resolve/", body, Sign(body)));
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        Assert.True((bool)JsonNode.Parse(await replay.Content.ReadAsStringAsync())!["duplicate"]!);
        Assert.Single(await _h.KindsAsync(issue.Id), k => k == "bead_closed");

        _h.Clock.Advance(TimeSpan.FromMinutes(11));
        await _h.Loop.RunOnceAsync(poll: false);
        Assert.Equal(IssueStatus.Resolved, (await _h.IssueAsync()).Status);
    }

    [Fact]
    public async Task GitHubFailureBecomesAnEventOnceAndSuccessIsStoredForTheContext()
    {
        var failure = WorkflowRun(77, "failure");
        var unsigned = await _h.Server.Http.SendAsync(Hook("/api/hooks/ci/github?project=1", failure, null, "d-1", "workflow_run"));
        Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
        Assert.Empty((await _h.Server.Store.ListIssuesAsync(new() { ProjectId = 1 })).Items);

        var r = await _h.Server.Http.SendAsync(Hook("/api/hooks/ci/github?project=1", failure, Sign(failure), "d-1", "workflow_run"));
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        var ci = await _h.IssueAsync(type: "CIFailure");
        Assert.Equal(1, ci.EventCount);
        Assert.Contains("tests", ci.Value);

        // Same delivery again, and the same run under a new delivery id: both change nothing.
        var replay = await _h.Server.Http.SendAsync(Hook("/api/hooks/ci/github?project=1", failure, Sign(failure), "d-1", "workflow_run"));
        Assert.True((bool)JsonNode.Parse(await replay.Content.ReadAsStringAsync())!["duplicate"]!);
        var redelivered = await _h.Server.Http.SendAsync(Hook("/api/hooks/ci/github?project=1", failure, Sign(failure), "d-2", "workflow_run"));
        Assert.Equal(HttpStatusCode.OK, redelivered.StatusCode);
        Assert.Equal(1, (await _h.IssueAsync(type: "CIFailure")).EventCount);

        var success = WorkflowRun(78, "success");
        Assert.Equal(HttpStatusCode.OK, (await _h.Server.Http.SendAsync(Hook("/api/hooks/ci/github?project=1", success, Sign(success), "d-3", "workflow_run"))).StatusCode);
        Assert.Single((await _h.Server.Store.ListIssuesAsync(new() { ProjectId = 1 })).Items);

        var client = await _h.Server.ClientWithTokenAsync(1);
        var context = await client.GetFromJsonAsync<JsonObject>($"/api/1/issues/{ci.Id}/context/");
        var runs = context!["ci_runs"]!.AsArray();
        Assert.Equal(2, runs.Count);
        Assert.Equal("success", (string?)runs[0]!["conclusion"]);
        Assert.Equal("failure", (string?)runs[1]!["conclusion"]);
    }

    [Fact]
    public async Task GitHubRunOfAnUnmappedRepositoryIsRefused()
    {
        var run = WorkflowRun(79, "failure");
        var r = await _h.Server.Http.SendAsync(Hook("/api/hooks/ci/github/", run, Sign(run), "d-9", "workflow_run"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, r.StatusCode);
        Assert.Contains("?project=", await r.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AssignBeadValidatesTheIdAndTheBeadThenWaitsOnIt()
    {
        await _h.SendAsync(level: "warning");
        var issue = await _h.IssueAsync();
        var client = await _h.Server.ClientWithTokenAsync(1);
        var url = $"/api/1/issues/{issue.Id}/assign-bead/";

        Assert.Equal(HttpStatusCode.Unauthorized, (await _h.Server.Http.PostAsJsonAsync(url, new { bead_id = "gt-abc1" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync(url, new { bead_id = "--force" })).StatusCode);
        var unknown = await client.PostAsJsonAsync(url, new { bead_id = "gt-nope" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, unknown.StatusCode);

        _h.Town.WriteBead("gt-abc1", "in_progress");
        var ok = await client.PostAsJsonAsync(url, new { bead_id = "gt-abc1" });
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var json = JsonNode.Parse(await ok.Content.ReadAsStringAsync())!;
        Assert.Equal("gt-abc1", (string?)json["bead_id"]);
        Assert.Equal(IssueStatus.Fixing, (string?)json["status"]);
        Assert.Contains("linked by hand", await _h.DetailAsync(issue.Id, "bead_filed"));

        _h.CloseBead("gt-abc1", "Completed with no code changes");
        _h.Clock.Advance(TimeSpan.FromMinutes(1));
        await _h.Loop.RunOnceAsync();
        Assert.Equal(IssueStatus.Stabilizing, (await _h.IssueAsync()).Status);
    }

    [Fact]
    public async Task DispatcherIsRegisteredAndDispatchesByHand()
    {
        _h.Town.Fail("gt", "sling");
        await _h.SendAsync(level: "fatal");
        var issue = await _h.IssueAsync();
        await _h.WaitForKindAsync(issue.Id, "error");
        File.Delete(Path.Combine(_h.Town.StateDir, "fail-gt-sling"));

        var dispatcher = _h.Server.Services.GetRequiredService<IBeadDispatcher>();
        var result = await dispatcher.DispatchAsync(1, issue.Id, CancellationToken.None);
        Assert.True(result.Ok, result.Message);
        Assert.Contains("by hand", await _h.DetailAsync(issue.Id, "dispatched"));
        Assert.False((await dispatcher.DispatchAsync(1, 999, CancellationToken.None)).Ok);
    }

    [Fact]
    public async Task ContextDocumentAsJsonAndMarkdown()
    {
        await _h.SendAsync();
        var issue = await _h.IssueAsync();
        var client = await _h.Server.ClientWithTokenAsync(1);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _h.Server.Http.GetAsync($"/api/1/issues/{issue.Id}/context/")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/1/issues/999/context/")).StatusCode);

        var json = (await client.GetFromJsonAsync<JsonObject>($"/api/1/issues/{issue.Id}/context/"))!;
        var frames = json["exceptions"]![0]!["frames"]!.AsArray();
        Assert.Equal(2, frames.Count);
        Assert.Equal("    raise ValueError(x)", (string?)frames[1]!["context_line"]);
        Assert.Single(json["recent_events"]!.AsArray());
        Assert.Equal(1, json["counts_per_hour"]!.AsArray().Sum(h => (long)h!["count"]!));
        Assert.Equal("production", (string?)json["environments"]![0]);
        Assert.Equal("app@1.0.0", (string?)json["releases"]![0]!["release"]);
        Assert.Contains(json["tags"]!.AsArray(), t => (string?)t!["key"] == "region");

        var md = await client.GetAsync($"/api/1/issues/{issue.Id}/context/?format=md");
        Assert.Equal("text/markdown", md.Content.Headers.ContentType!.MediaType);
        var text = await md.Content.ReadAsStringAsync();
        Assert.Contains("## Exceptions", text);
        Assert.Contains("app/views.py:10 in handler", text);
        Assert.Contains("> " + "    raise ValueError(x)", text);
        Assert.Contains("## CI runs", text);
    }
}

/// <summary>Loop wiring without a town, and with a bd that is not there.</summary>
public sealed class LoopWiringTests
{
    [Fact]
    public async Task WithoutATownThereIsNoLoopAndNoDispatcher()
    {
        await using var server = await FaultlineServer.StartAsync();
        Assert.Null(server.Services.GetService<IBeadDispatcher>());
        Assert.Null(server.Services.GetService<LoopService>());
        // The resolve hook says why it cannot act (after the signature check, which fails without a secret).
        var r = await server.Http.PostAsync("/api/hooks/resolve/", new StringContent("{}"));
        Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
    }

    [Fact]
    public async Task MissingBdIsATimelineErrorNotACrash()
    {
        await using var h = await LoopHost.StartAsync(new() { ["FAULTLINE_BD_BIN"] = "/nonexistent/bd" });
        await h.SendAsync(level: "fatal");
        var issue = await h.IssueAsync();
        await h.WaitForKindAsync(issue.Id, "error");
        Assert.Contains("bd create", await h.DetailAsync(issue.Id, "error"));
        Assert.Equal(IssueStatus.Active, (await h.IssueAsync()).Status);
        await h.SendAsync(level: "fatal"); // ingest unaffected
        await h.Loop.RunOnceAsync();
        Assert.Single(await h.KindsAsync(issue.Id), k => k == "error"); // back-off: no retry storm
    }

    [Fact]
    public async Task SlackHearsAboutNewIssues()
    {
        await using var slack = await SlackReceiver.StartAsync(_ => (200, null));
        await using var h = await LoopHost.StartAsync(new() { ["FAULTLINE_SLACK_WEBHOOK"] = slack.Url.ToString() });
        await h.SendAsync(type: "KeyError");
        await slack.WaitForAsync(1, TimeSpan.FromSeconds(20));
        var message = JsonNode.Parse(Assert.Single(slack.Received).Body)!;
        Assert.Contains("New issue", (string?)message["text"]);
        Assert.Contains("KeyError", (string?)message["text"]);
    }
}
