using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Faultline.Tests.Fixtures;

namespace Faultline.Tests.Sdk;

/// <summary>
/// Ingest from real Sentry SDKs installed by test.sh: Debian's python3-sentry-sdk (posts to /store/,
/// gzip, X-Sentry-Auth) and npm @sentry/node (envelopes, key in the query string, chunked,
/// plus its own session/client_report items). Asserts grouping and the stored fields.
/// </summary>
public sealed class RealSdkTests : IAsyncLifetime
{
    private FaultlineServer _server = null!;
    private HttpClient _api = null!;

    public async Task InitializeAsync()
    {
        _server = await FaultlineServer.StartAsync();
        _api = await _server.ClientWithTokenAsync(1);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private string Dsn => $"http://{FaultlineServer.Key1}@{new Uri(_server.BaseUrl).Authority}/1";

    [Fact]
    public async Task PythonSdkEventsAreStoredAndGrouped()
    {
        const string script = """
            import sys, sentry_sdk
            sentry_sdk.init(dsn=sys.argv[1], traces_sample_rate=0, environment="pytest-env", release="py@2.0")
            sentry_sdk.set_tag("component", "billing")
            sentry_sdk.set_user({"id": "42", "email": "dev@example.com", "ip_address": "10.1.2.3"})
            def charge(amount):
                raise ZeroDivisionError("division by zero for amount %d" % amount)
            for amount in (1, 2):
                try:
                    charge(amount)
                except Exception:
                    sentry_sdk.capture_exception()
            sentry_sdk.capture_message("python says hello")
            sentry_sdk.flush(10)
            """;
        var (exit, output) = await ProcessRun.RunAsync("/usr/bin/python3", ["-c", script, Dsn]);
        Assert.True(exit == 0, output);

        var issues = await WaitForIssues("pytest-env", 2);
        var zero = issues.Single(i => (string?)i["type"] == "ZeroDivisionError");
        Assert.Equal(2L, (long)zero["event_count"]!);
        Assert.Equal("python", (string?)zero["platform"]);
        Assert.Equal("py@2.0", (string?)zero["last_release"]);
        Assert.Contains("charge", (string?)zero["culprit"]);
        Assert.Contains(issues, i => ((string?)i["title"])!.Contains("python says hello"));

        var events = await _api.GetFromJsonAsync<JsonObject>($"/api/1/issues/{zero["id"]}/events/");
        var e = events!["items"]![0]!;
        Assert.Equal("billing", (string?)e["tags"]!["component"]);
        Assert.Equal("[Filtered]", (string?)e["user"]!["ip_address"]); // PII scrubbing is on by default
        var frames = e["exceptions"]![0]!["stacktrace"]!["frames"]!.AsArray();
        Assert.Contains(frames, f => (string?)f!["function"] == "charge");
    }

    [Fact]
    public async Task NodeSdkEventsAreStoredAndGrouped()
    {
        Assert.True(Directory.Exists(Path.Combine(RepoPaths.TestTools, "node_modules", "@sentry", "node")),
            "npm @sentry/node is missing: run ./test.sh (it installs test-tools)");
        const string script = """
            const Sentry = require('@sentry/node');
            Sentry.init({ dsn: process.argv[1], integrations: (d) => d.filter(i => i.name !== "Dedupe"), tracesSampleRate: 0, environment: 'node-env', release: 'node@3.1' });
            function parseConfig(text) { return JSON.parse(text); }
            async function main() {
              for (const input of ['{bad', '[1,']) {
                try { parseConfig(input); } catch (e) { Sentry.captureException(e); }
              }
              Sentry.captureException(new TypeError('cannot read property x of undefined'));
              await Sentry.flush(10000);
            }
            main();
            """;
        var (exit, output) = await ProcessRun.RunAsync("node", ["-e", script, Dsn], cwd: RepoPaths.TestTools);
        Assert.True(exit == 0, output);

        var issues = await WaitForIssues("node-env", 2);
        var syntax = issues.Single(i => (string?)i["type"] == "SyntaxError");
        Assert.Equal(2L, (long)syntax["event_count"]!);
        Assert.Equal("node", (string?)syntax["platform"]);
        Assert.Equal("node@3.1", (string?)syntax["first_release"]);
        Assert.Contains(issues, i => (string?)i["type"] == "TypeError");
    }

    private async Task<List<JsonObject>> WaitForIssues(string environment, int atLeast)
    {
        // The SDK's flush returns when its request completed; the API reads committed state.
        for (var i = 0; i < 50; i++)
        {
            var page = await _api.GetFromJsonAsync<JsonObject>($"/api/1/issues/?environment={environment}");
            var items = page!["items"]!.AsArray().Select(x => x!.AsObject()).ToList();
            if (items.Count >= atLeast) return items;
            await Task.Delay(100);
        }
        throw new Xunit.Sdk.XunitException($"expected {atLeast} issues in {environment}");
    }
}
