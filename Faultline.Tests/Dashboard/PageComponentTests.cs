using System.Text.Json.Nodes;
using Faultline.Core.Loop;
using Faultline.Core.Ops;
using Faultline.Web.Components.Pages;
using Microsoft.Extensions.DependencyInjection;

namespace Faultline.Tests.Dashboard;

/// <summary>
/// Each page rendered by HtmlRenderer over a real store: empty states, missing fields, huge
/// traces, non-ASCII and hostile strings. (Static render: no circuit, so no live subscription.)
/// </summary>
public sealed class PageComponentTests : IAsyncLifetime
{
    private DashboardStore _data = null!;
    private readonly List<ComponentRenderer> _renderers = [];

    public async Task InitializeAsync() => _data = await DashboardStore.CreateAsync(new FixedTimeProvider(ComponentRenderer.DefaultNow));

    public async Task DisposeAsync()
    {
        foreach (var r in _renderers) await r.DisposeAsync();
        await _data.DisposeAsync();
    }

    private async Task<(Rendered Page, ComponentRenderer Renderer)> RenderAsync<T>(string path, Dictionary<string, object?>? parameters = null,
        Action<IServiceCollection>? extra = null) where T : Microsoft.AspNetCore.Components.IComponent
    {
        var r = new ComponentRenderer(configure: s => { _data.AddTo(s); extra?.Invoke(s); }, uri: "http://localhost" + path);
        _renderers.Add(r);
        return (await r.RenderAsync<T>(parameters), r);
    }

    private static Dictionary<string, object?> P(params (string, object?)[] values) => values.ToDictionary(v => v.Item1, v => v.Item2);

    // ---- Overview --------------------------------------------------------------------------

    [Fact]
    public async Task OverviewWithoutProjectsExplainsHowToAddOne()
    {
        var (page, _) = await RenderAsync<Overview>("/dashboard/");
        Assert.Equal("No projects yet", page.Find(".empty__title").TextContent);
        Assert.Contains("FAULTLINE_PROJECTS", page.Text);
    }

    [Fact]
    public async Task OverviewCardShowsLightCountsUptimeAndOnlyHttpLinks()
    {
        await _data.AddProjectAsync(1, "checkout-api", "Takes the money", "https://shop.example.com");
        await _data.AddProjectAsync(2, Hostile.ScriptTag, Hostile.ImgTag, "javascript:alert(1)");
        await _data.AddProjectAsync(3, "quiet", heartbeatSecs: 60, heartbeatAgo: TimeSpan.FromMinutes(10));
        await _data.AddIssueAsync(1, "Boom", severity: "rupture", count: 7);
        await _data.AddIssueAsync(2, "Meh", count: 2, platform: "javascript");

        var (page, _) = await RenderAsync<Overview>("/dashboard/");
        var cards = page.FindAll("[data-project]");
        Assert.Equal(3, cards.Count);

        var checkout = cards[0];
        Assert.Contains("light--red", checkout.QuerySelector(".light")!.ClassList);
        Assert.Contains("1 fatal or rupture issue active", checkout.QuerySelector(".light")!.GetAttribute("aria-label"));
        Assert.Equal("1", checkout.QuerySelector(".project__unresolved")!.TextContent);
        Assert.Equal("no data", checkout.QuerySelectorAll(".project__stats dd")[2].TextContent);
        Assert.Equal("https://shop.example.com/", checkout.QuerySelector("a.project__service")!.GetAttribute("href"));
        Assert.Equal("Platform: python", checkout.QuerySelector(".platform")!.GetAttribute("aria-label"));

        var hostile = cards[1];
        Assert.Contains("light--yellow", hostile.QuerySelector(".light")!.ClassList);
        Assert.Null(hostile.QuerySelector("a.project__service")); // javascript: is shown, never linked
        Assert.Contains("javascript:alert(1)", hostile.QuerySelector(".project__service")!.TextContent);
        Assert.Equal(Hostile.ScriptTag, hostile.QuerySelector(".project__title")!.TextContent);

        // A stale heartbeat alone is not "missing" until the heartbeat monitor says so (one definition).
        var quiet = cards[2];
        Assert.Contains("light--green", quiet.QuerySelector(".light")!.ClassList);
        Hostile.AssertShownAsText(page, Hostile.ImgTag);
    }

    [Fact]
    public async Task OverviewShowsUptimeFromChecksAndTurnsRedOnHeartbeatDown()
    {
        await _data.AddProjectAsync(1, "api", heartbeatSecs: 60, heartbeatAgo: TimeSpan.FromMinutes(10));
        await _data.AddProjectAsync(2, "worker");
        await _data.AddProjectAsync(3, "unchecked");
        // api: 3 of 4 checks up in 24 h (plus an old failure outside the window); down per the monitor.
        foreach (var (ok, ago) in new[] { (true, 1), (true, 2), (false, 3), (true, 20), (false, 30) })
            await _data.AddUptimeCheckAsync(1, ok, TimeSpan.FromHours(ago));
        await _data.AddOpsEventAsync(1, OpsEventKinds.HeartbeatRecovered, "heartbeats resumed", TimeSpan.FromHours(2));
        await _data.AddOpsEventAsync(1, OpsEventKinds.HeartbeatDown, "no heartbeat for 10 min 0 s (expected every 60 s)", TimeSpan.FromMinutes(9));
        // worker: all up; it was down but has recovered since.
        await _data.AddUptimeCheckAsync(2, true, TimeSpan.FromMinutes(1));
        await _data.AddOpsEventAsync(2, OpsEventKinds.HeartbeatDown, "no heartbeat", TimeSpan.FromHours(3));
        await _data.AddOpsEventAsync(2, OpsEventKinds.HeartbeatRecovered, "heartbeats resumed", TimeSpan.FromHours(1));
        // unchecked: only an old check, outside 24 h.
        await _data.AddUptimeCheckAsync(3, true, TimeSpan.FromHours(25));

        var (page, _) = await RenderAsync<Overview>("/dashboard/");
        var cards = page.FindAll("[data-project]");
        Assert.Equal(3, cards.Count);

        var api = cards[0];
        Assert.Equal("75 %", api.QuerySelector(".project__uptime")!.TextContent);
        Assert.Contains("3 of 4 checks", api.QuerySelector(".project__uptime")!.GetAttribute("title"));
        var light = api.QuerySelector(".light")!;
        Assert.Contains("light--red", light.ClassList);
        Assert.Equal("Critical: Heartbeat missing: no heartbeat for 10 min 0 s (expected every 60 s)", light.GetAttribute("aria-label"));
        Assert.Contains("heartbeat_down", light.QuerySelector(".tooltip__rule.is-current")!.TextContent);

        var worker = cards[1];
        Assert.Equal("100 %", worker.QuerySelector(".project__uptime")!.TextContent);
        Assert.Contains("light--green", worker.QuerySelector(".light")!.ClassList);

        var none = cards[2];
        Assert.Equal("no data", none.QuerySelector(".project__uptime")!.TextContent);
        Assert.Contains("light--green", none.QuerySelector(".light")!.ClassList);
    }

    [Fact]
    public async Task ProjectOpsIsOneRowPerProjectAndMatchesThePerProjectQueries()
    {
        await _data.AddProjectAsync(1, "a");
        await _data.AddProjectAsync(2, "b");
        await _data.AddUptimeCheckAsync(1, true, TimeSpan.FromHours(1));
        await _data.AddUptimeCheckAsync(1, false, TimeSpan.FromHours(2));
        await _data.AddOpsEventAsync(1, OpsEventKinds.HeartbeatDown, "down", TimeSpan.FromMinutes(5));
        await _data.AddOpsEventAsync(1, "something_else", "newer but not a heartbeat verdict", TimeSpan.FromMinutes(1));

        var ops = await _data.Store.ListProjectOpsAsync();
        Assert.Equal([1L, 2L], ops.Keys.Order());
        Assert.Equal(await _data.Store.GetUptimeAsync(1), ops[1].Uptime);
        Assert.Equal(50, ops[1].Uptime.Percent);
        Assert.True(ops[1].HeartbeatDown);
        Assert.Equal((await _data.Store.LatestOpsEventAsync(1, OpsEventKinds.HeartbeatDown, OpsEventKinds.HeartbeatRecovered))!.Id, ops[1].LatestHeartbeatEvent!.Id);
        Assert.Null(ops[2].Uptime.Percent);
        Assert.Null(ops[2].LatestHeartbeatEvent);
    }

    // ---- Issues list -----------------------------------------------------------------------

    [Fact]
    public async Task IssueListEmptyStatesAndUnknownProject()
    {
        await _data.AddProjectAsync(1, "calm");
        var (page, _) = await RenderAsync<IssueList>("/dashboard/projects/1/issues", P(("ProjectId", 1L)));
        Assert.Equal("No active errors", page.Find(".empty__title").TextContent);
        Assert.Equal(5, page.FindAll(".legend__row").Count);

        var (filtered, _) = await RenderAsync<IssueList>("/dashboard/projects/1/issues?q=nothing", P(("ProjectId", 1L)));
        Assert.Equal("No issues match", filtered.Find(".empty__title").TextContent);
        Assert.Equal("nothing", filtered.Find("[data-search]").GetAttribute("value"));

        var (missing, r) = await RenderAsync<IssueList>("/dashboard/projects/99/issues", P(("ProjectId", 99L)));
        Assert.Equal("Project not found", missing.Find(".empty__title").TextContent);
        Assert.True(r.Navigation.NotFoundCalled);
    }

    [Fact]
    public async Task IssueListPagesFiftyAtATimeAndCountsEveryTab()
    {
        await _data.AddProjectAsync(1, "busy");
        for (var i = 0; i < 120; i++) await _data.AddIssueAsync(1, $"Error {i}", lastSeenAgo: TimeSpan.FromMinutes(i + 1));
        for (var i = 0; i < 3; i++) await _data.AddIssueAsync(1, $"Fixing {i}", status: i == 0 ? "fixing" : "stabilizing");
        await _data.AddIssueAsync(1, "Done", status: "resolved");

        var (page, _) = await RenderAsync<IssueList>("/dashboard/projects/1/issues?page=3", P(("ProjectId", 1L)));
        Assert.Equal(20, page.FindAll("tr[data-row]").Count);
        Assert.Equal("101–120 of 120", page.Find(".pager__summary").TextContent.Trim());
        Assert.Equal("120", page.Find("[data-status=active] .segmented__count").TextContent);
        Assert.Equal("3", page.Find("[data-status=fixing] .segmented__count").TextContent);
        Assert.Equal("1", page.Find("[data-status=stabilized] .segmented__count").TextContent);
        Assert.Equal("124", page.Find("[data-status=all] .segmented__count").TextContent);
        Assert.Equal("dashboard/projects/1/issues?status=fixing", page.Find("[data-status=fixing]").GetAttribute("href"));
    }

    [Theory]
    [MemberData(nameof(Hostile.All), MemberType = typeof(Hostile))]
    public async Task IssueListShowsHostileAndNonAsciiStringsAsText(string hostile)
    {
        await _data.AddProjectAsync(1, hostile);
        await _data.AddIssueAsync(1, hostile, culprit: hostile, level: hostile, bead: hostile, environment: hostile, severity: hostile);
        var (page, _) = await RenderAsync<IssueList>("/dashboard/projects/1/issues", P(("ProjectId", 1L)));
        Hostile.AssertShownAsText(page, hostile);
        Assert.Equal(hostile, page.Find(".issue-title").TextContent);
        Assert.Equal(hostile, page.Find(".issue-culprit").TextContent);
        Assert.Contains(page.FindAll(".badge"), b => b.TextContent == $"bead {hostile}");
        Assert.Equal("Unknown", page.Find("td .sev__name").TextContent);
    }

    // ---- Issue detail ----------------------------------------------------------------------

    private static string EventJson(int frames, string text = "boom")
    {
        var list = new JsonArray();
        for (var i = 0; i < frames; i++)
            list.Add(new JsonObject
            {
                ["filename"] = $"app/f{i}.py", ["function"] = $"fn{i}", ["lineno"] = i + 1, ["colno"] = 3, ["in_app"] = i % 2 == 0,
                ["context_line"] = $"line {i}", ["pre_context"] = new JsonArray("before"), ["post_context"] = new JsonArray("after"),
            });
        return new JsonObject
        {
            ["platform"] = "python", ["message"] = text,
            ["exception"] = new JsonObject
            {
                ["values"] = new JsonArray(
                    new JsonObject { ["type"] = "CauseError", ["value"] = "the cause" },
                    new JsonObject { ["type"] = "MainError", ["value"] = text, ["stacktrace"] = new JsonObject { ["frames"] = list } }),
            },
            ["threads"] = new JsonObject { ["values"] = new JsonArray(new JsonObject { ["id"] = 1, ["name"] = "main", ["crashed"] = true }) },
            ["breadcrumbs"] = new JsonObject { ["values"] = new JsonArray(new JsonObject { ["category"] = "http", ["message"] = "GET /cart", ["timestamp"] = 1795000000.5 }) },
            ["request"] = new JsonObject { ["url"] = "https://shop.example.com/cart", ["method"] = "POST", ["headers"] = new JsonArray(new JsonArray("Accept", "text/html")) },
            ["user"] = new JsonObject { ["id"] = 42, ["email"] = "dev@example.com" },
            ["contexts"] = new JsonObject { ["runtime"] = new JsonObject { ["type"] = "runtime", ["name"] = "CPython", ["version"] = "3.12" } },
            ["tags"] = new JsonObject { ["region"] = "eu" },
        }.ToJsonString();
    }

    [Fact]
    public async Task IssueDetailShowsTheChainFramesThreadsBreadcrumbsAndPanels()
    {
        await _data.AddProjectAsync(1, "shop");
        var issue = await _data.AddIssueAsync(1, "MainError: boom", "MainError", "boom", "app/f2.py in fn2", bead: "fl-42", environment: "production");
        await _data.AddEventAsync(1, issue, EventJson(3));
        var (page, _) = await RenderAsync<IssueDetail>($"/dashboard/projects/1/issues/{issue}", P(("ProjectId", 1L), ("IssueId", issue)));

        Assert.Equal("MainError", page.Find("h1").TextContent);
        Assert.Equal(["MainError", "CauseError"], page.FindAll(".exception__type").Select(e => e.TextContent));
        var frames = page.FindAll(".exception")[0].QuerySelectorAll(".frame");
        Assert.Equal("fn2", frames[0].QuerySelector(".frame__fn")!.TextContent); // most recent call first
        Assert.Equal("app/f2.py:3:3", frames[0].QuerySelector(".frame__loc")!.TextContent);
        Assert.Contains("frame--in-app", frames[0].ClassList);
        Assert.True(frames[0].HasAttribute("open")); // the most recent in-app frame starts open
        Assert.Contains("frame--lib", frames[1].ClassList);
        Assert.Equal(["2", "3", "4"], frames[0].QuerySelectorAll(".ctx__no").Select(n => n.TextContent));
        Assert.Equal("line 2", frames[0].QuerySelector(".ctx--current")!.TextContent[1..]);
        Assert.Contains("main", page.Find("#threads-title").ParentElement!.TextContent);
        Assert.Contains("GET /cart", page.Find(".crumbs-table").TextContent);
        Assert.Contains("https://shop.example.com/cart", page.Find("#request-title").ParentElement!.TextContent);
        Assert.Contains("Accept", page.Find("#request-title").ParentElement!.TextContent);
        Assert.Contains("dev@example.com", page.Find("#user-title").ParentElement!.TextContent);
        Assert.Contains("CPython", page.Find("#contexts-title").ParentElement!.TextContent);
        Assert.Equal("fl-42", page.Find("[data-bead]").TextContent);
        Assert.Contains("\"region\": \"eu\"", page.Find("pre.raw").TextContent);
        Assert.NotNull(page.Find("[data-action=resolve]"));
        Assert.Empty(page.FindAll("[data-action=dispatch]")); // no dispatcher registered
    }

    [Fact]
    public async Task HugeStackTraceRendersTheTopFramesUntilAskedForAll()
    {
        await _data.AddProjectAsync(1, "deep");
        var issue = await _data.AddIssueAsync(1, "RecursionError", "RecursionError");
        await _data.AddEventAsync(1, issue, EventJson(5000));
        var (page, _) = await RenderAsync<IssueDetail>($"/dashboard/projects/1/issues/{issue}", P(("ProjectId", 1L), ("IssueId", issue)));
        Assert.Equal(50, page.FindAll(".exception")[0].QuerySelectorAll(".frame").Length);
        Assert.Contains("5,000 frames", page.Find(".frames__note").TextContent);
        Assert.Contains("Show all 5,000 frames (4,950 more)", page.Find(".frames__more").TextContent);
        Assert.True(page.Html.Length < 2_000_000, $"rendered {page.Html.Length:N0} characters");
    }

    [Fact]
    public async Task IssueDetailSurvivesMissingFieldsAndMissingEvents()
    {
        await _data.AddProjectAsync(1, "sparse");
        var bare = await _data.AddIssueAsync(1, "", "", "");
        await _data.AddEventAsync(1, bare, "{}", payload: "not json at all");
        var (page, _) = await RenderAsync<IssueDetail>($"/dashboard/projects/1/issues/{bare}", P(("ProjectId", 1L), ("IssueId", bare)));
        Assert.Contains("No exception in this event", page.Text);
        Assert.Contains("No breadcrumbs were sent.", page.Text);
        Assert.Contains("No request was sent.", page.Text);
        Assert.Equal("not json at all", page.Find("pre.raw").TextContent);

        var weird = await _data.AddIssueAsync(1, "Weird");
        await _data.AddEventAsync(1, weird, """{"exception":{"values":[{"stacktrace":{"frames":[{},{"lineno":"x","in_app":"yes","pre_context":[null,3]}]}}, 7]},"breadcrumbs":[1,{"timestamp":"nope"}],"user":"bob","contexts":{"os":null},"threads":"x"}""");
        var (odd, _) = await RenderAsync<IssueDetail>($"/dashboard/projects/1/issues/{weird}", P(("ProjectId", 1L), ("IssueId", weird)));
        Assert.Contains("<unknown function>", odd.Find(".frame__fn").TextContent);
        Assert.Equal("<no type>", odd.Find(".exception__type").TextContent);

        var empty = await _data.AddIssueAsync(1, "Pruned");
        var (none, _) = await RenderAsync<IssueDetail>($"/dashboard/projects/1/issues/{empty}", P(("ProjectId", 1L), ("IssueId", empty)));
        Assert.Equal("No event stored", none.Find(".empty__title").TextContent);

        var (missing, r) = await RenderAsync<IssueDetail>("/dashboard/projects/1/issues/999", P(("ProjectId", 1L), ("IssueId", 999L)));
        Assert.Equal("Issue not found", missing.Find(".empty__title").TextContent);
        Assert.True(r.Navigation.NotFoundCalled);
    }

    [Theory]
    [MemberData(nameof(Hostile.All), MemberType = typeof(Hostile))]
    public async Task IssueDetailShowsHostileStringsAsText(string hostile)
    {
        await _data.AddProjectAsync(1, hostile);
        var issue = await _data.AddIssueAsync(1, hostile, hostile, hostile, hostile, bead: hostile);
        var evt = DashboardData.HostileEvent(Guid.NewGuid().ToString("N"), "x");
        evt["exception"]!["values"]![0]!["type"] = hostile;
        await _data.AddEventAsync(1, issue, evt.ToJsonString());
        var (page, _) = await RenderAsync<IssueDetail>($"/dashboard/projects/1/issues/{issue}", P(("ProjectId", 1L), ("IssueId", issue)));
        Hostile.AssertShownAsText(page, hostile);
        Assert.Empty(page.Dom.QuerySelectorAll("a[href^='javascript']"));
        Assert.Equal(hostile, page.Find(".exception__type").TextContent);
    }

    [Fact]
    public async Task DispatchButtonAppearsOnlyWhenADispatcherIsRegistered()
    {
        await _data.AddProjectAsync(1, "gastown");
        var issue = await _data.AddIssueAsync(1, "Boom");
        var (page, _) = await RenderAsync<IssueDetail>($"/dashboard/projects/1/issues/{issue}", P(("ProjectId", 1L), ("IssueId", issue)),
            s => s.AddSingleton<IBeadDispatcher, RecordingDispatcher>());
        Assert.Equal("Dispatch", page.Find("[data-action=dispatch]").TextContent);
    }

    /// <summary>Records calls; a dispatcher's presence is all the page reads at render time.</summary>
    private sealed class RecordingDispatcher : IBeadDispatcher
    {
        public List<(long, long)> Calls { get; } = [];
        public Task<DispatchResult> DispatchAsync(long projectId, long issueId, CancellationToken ct)
        {
            Calls.Add((projectId, issueId));
            return Task.FromResult(new DispatchResult(true, "sent"));
        }
    }

    // ---- Settings --------------------------------------------------------------------------

    [Fact]
    public async Task SettingsShowTheDsnWithACopyButtonAndHostileValuesStayInAttributes()
    {
        await _data.AddProjectAsync(1, Hostile.AttributeBreakout, Hostile.ScriptTag, "javascript:alert(1)");
        var (page, _) = await RenderAsync<ProjectSettingsPage>("/dashboard/projects/1/settings", P(("ProjectId", 1L)));
        var dsn = _data.Options.DsnFor(1, 1L.ToString("x32"));
        Assert.Equal(dsn, page.Find("[data-dsn]").TextContent);
        Assert.Equal(dsn, page.Find("[data-copy]").GetAttribute("data-copy"));
        Assert.Equal(Hostile.AttributeBreakout, page.Find("#s-name").GetAttribute("value"));
        Assert.Equal(Hostile.ScriptTag, page.Find("#s-desc").TextContent);
        Assert.Equal("s-thresholds-help", page.Find("#s-thresholds").GetAttribute("aria-describedby"));
        Assert.StartsWith("When an issue gets a Gas Town bead", page.Find("#s-thresholds-help").TextContent.Trim());
        Hostile.AssertInert(page.Dom);

        var (missing, r) = await RenderAsync<ProjectSettingsPage>("/dashboard/projects/7/settings", P(("ProjectId", 7L)));
        Assert.Equal("Project not found", missing.Find(".empty__title").TextContent);
        Assert.True(r.Navigation.NotFoundCalled);
    }
}
