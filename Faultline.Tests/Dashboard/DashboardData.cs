using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Faultline.Core.Ingest;
using Faultline.Core.Issues;
using Faultline.Core.Storage;
using Faultline.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;

namespace Faultline.Tests.Dashboard;

/// <summary>
/// Real data for dashboard tests: a fresh project per test (so tests sharing one server stay
/// independent) and events sent through the real ingest endpoint.
/// </summary>
public sealed record TestProject(long Id, string Key, string Name)
{
    public string Dsn(string baseUrl) => $"http://{Key}@{new Uri(baseUrl).Authority}/{Id}";
}

public static class DashboardData
{
    public static async Task<TestProject> CreateProjectAsync(IServiceProvider services, string name)
    {
        var key = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
        var p = await services.GetRequiredService<FaultlineStore>().CreateProjectAsync(name, key, null);
        await services.GetRequiredService<ProjectDirectory>().ReloadAsync();
        return new TestProject(p.Id, key, name);
    }

    /// <summary>Sends one event as an envelope; returns once acknowledged (committed).</summary>
    public static async Task SendAsync(HttpClient http, TestProject project, JsonObject evt)
    {
        using var content = new ByteArrayContent(Envelopes.Envelope(evt));
        var response = await http.PostAsync($"/api/{project.Id}/envelope/?sentry_key={project.Key}", content);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"ingest answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    public static async Task<Issue> SingleIssueAsync(IServiceProvider services, long projectId, string type)
    {
        var page = await services.GetRequiredService<FaultlineStore>().ListIssuesAsync(new IssueFilter { ProjectId = projectId, Limit = 500 });
        return page.Items.Single(i => i.Type == type);
    }

    /// <summary>An event with a hostile payload in every field the dashboard shows.</summary>
    public static JsonObject HostileEvent(string eventId, string marker)
    {
        const string s = Hostile.ScriptTag, img = Hostile.ImgTag, attr = Hostile.AttributeBreakout, js = "javascript:alert(document.domain)";
        return new JsonObject
        {
            ["event_id"] = eventId,
            ["timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0,
            ["platform"] = "python",
            ["level"] = "error",
            ["environment"] = "xss-" + marker,
            ["release"] = img,
            ["server_name"] = attr,
            ["transaction"] = js,
            ["logger"] = s,
            ["message"] = s + " message " + marker,
            ["tags"] = new JsonObject { ["xss"] = s, [img] = attr, ["url"] = js },
            ["user"] = new JsonObject { ["id"] = s, ["email"] = img, ["username"] = attr, ["data"] = new JsonObject { ["html"] = s } },
            ["request"] = new JsonObject
            {
                ["url"] = js, ["method"] = "<b>GET</b>", ["query_string"] = "q=" + s,
                ["headers"] = new JsonObject { ["Referer"] = js, ["X-Evil"] = img },
                ["data"] = new JsonObject { ["comment"] = attr },
            },
            ["contexts"] = new JsonObject { ["os"] = new JsonObject { ["name"] = s, ["version"] = img }, [s] = new JsonObject { ["k"] = attr } },
            ["breadcrumbs"] = new JsonArray(new JsonObject
            {
                ["timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0, ["category"] = s, ["message"] = img,
                ["level"] = attr, ["data"] = new JsonObject { ["url"] = js },
            }),
            ["exception"] = new JsonObject
            {
                ["values"] = new JsonArray(new JsonObject
                {
                    ["type"] = "XssError" + marker,
                    ["value"] = s + img + attr,
                    ["module"] = img,
                    ["mechanism"] = new JsonObject { ["type"] = attr, ["handled"] = false },
                    ["stacktrace"] = new JsonObject
                    {
                        ["frames"] = new JsonArray(new JsonObject
                        {
                            ["filename"] = img, ["abs_path"] = js, ["function"] = s, ["module"] = attr, ["lineno"] = 3, ["colno"] = 7, ["in_app"] = true,
                            ["context_line"] = s, ["pre_context"] = new JsonArray(img), ["post_context"] = new JsonArray(attr),
                        }),
                    },
                }),
            },
        };
    }
}
