using System.Net;
using System.Text.RegularExpressions;
using Faultline.Tests.Fixtures;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Faultline.Tests.Dashboard;

/// <summary>The dashboard in a real Chromium against the real server.</summary>
[Collection(BrowserCollection.Name)]
public class DashboardBrowserTests(BrowserFixture browser, AppServerFixture server)
{
    private string KitUrl => server.BaseUrl + "/dashboard/_kit";

    /// <summary>
    /// Opens a page and waits until the Blazor circuit handles events: before that the button
    /// is prerendered HTML and a click does nothing, so click until the count moves.
    /// </summary>
    private static async Task<int> WaitForCircuitAsync(IPage page)
    {
        var counter = page.Locator("#kit-counter");
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            await counter.ClickAsync();
            try
            {
                await Expect(counter).ToHaveTextAsync(new Regex(@"^Clicked [1-9]\d* times$"), new() { Timeout = 500 });
                return int.Parse(Regex.Match(await counter.InnerTextAsync(), @"\d+").Value);
            }
            catch (PlaywrightException) when (DateTime.UtcNow < deadline)
            {
            }
        }
    }

    private static List<string> CollectProblems(IPage page)
    {
        var problems = new List<string>();
        page.Console += (_, msg) => { if (msg.Type == "error") problems.Add("console: " + msg.Text); };
        page.PageError += (_, error) => problems.Add("page error: " + error);
        // A hostile string that executed would open an alert.
        page.Dialog += (_, dialog) => { problems.Add("dialog: " + dialog.Message); _ = dialog.DismissAsync(); };
        page.RequestFailed += (_, request) => problems.Add("request failed: " + request.Url);
        page.Response += (_, response) => { if (response.Status >= 400) problems.Add($"HTTP {response.Status}: {response.Url}"); };
        return problems;
    }

    [Fact]
    public async Task KitPageConnectsTheCircuitAndClicksUpdateTheDom()
    {
        var page = await server.NewSignedInPageAsync(browser);
        var problems = CollectProblems(page);
        await page.GotoAsync(KitUrl);

        var count = await WaitForCircuitAsync(page);
        await page.Locator("#kit-counter").ClickAsync();
        await Expect(page.Locator("#kit-counter")).ToHaveTextAsync($"Clicked {count + 1} times");

        // The theme is applied (limestone background, not the browser's white).
        Assert.Equal("rgb(245, 241, 234)", await page.EvaluateAsync<string>("getComputedStyle(document.body).backgroundColor"));
        // The reconnect banner exists and is hidden while connected.
        await Expect(page.Locator("#components-reconnect-modal")).ToBeHiddenAsync();
        // Hostile sample strings are on the page as text.
        await Expect(page.GetByText("<script>alert(1)</script>").First).ToBeVisibleAsync();

        await BrowserFixture.ScreenshotAsync(page, "kit-light");
        Assert.Empty(problems);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task KeyboardMovesThroughTableRowsAndEnterOpensOne()
    {
        var page = await server.NewSignedInPageAsync(browser);
        await page.GotoAsync(KitUrl);
        await WaitForCircuitAsync(page);

        var rows = page.Locator("table[data-keynav] tr[data-row]");
        await rows.First.FocusAsync();
        await page.Keyboard.PressAsync("j");
        await page.Keyboard.PressAsync("ArrowDown");
        await Expect(rows.Nth(2)).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("k");
        await Expect(rows.Nth(1)).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByText("Opened: TimeoutException", new() { Exact = false })).ToBeVisibleAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task DarkThemeTogglePersistsAcrossReload()
    {
        var page = await server.NewSignedInPageAsync(browser);
        var problems = CollectProblems(page);
        await page.GotoAsync(KitUrl);
        await WaitForCircuitAsync(page);

        await page.Locator("[data-theme-toggle]").ClickAsync();
        await Expect(page.Locator("html")).ToHaveAttributeAsync("data-theme", "dark");
        await page.ReloadAsync();
        await Expect(page.Locator("html")).ToHaveAttributeAsync("data-theme", "dark");
        Assert.Equal("rgb(19, 21, 24)", await page.EvaluateAsync<string>("getComputedStyle(document.body).backgroundColor"));
        // The reload starts a new circuit: a click before it is up reaches no handler (seen once under load).
        await WaitForCircuitAsync(page);

        await page.Locator("button", new() { HasText = "Open dialog" }).ClickAsync();
        await Expect(page.Locator("dialog.dialog")).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotAsync(page, "kit-dark-dialog");
        await page.Keyboard.PressAsync("Escape");
        await Expect(page.Locator("dialog.dialog")).ToBeHiddenAsync();

        await page.Locator("[data-theme-toggle]").ClickAsync();
        await Expect(page.Locator("html")).ToHaveAttributeAsync("data-theme", "light");
        Assert.Empty(problems);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task PhoneWidthHasNoHorizontalScroll()
    {
        var page = await server.NewSignedInPageAsync(browser, width: 360, height: 780, colorScheme: ColorScheme.Dark);
        await page.GotoAsync(KitUrl);
        await WaitForCircuitAsync(page);
        var overflow = await page.EvaluateAsync<int>("document.documentElement.scrollWidth - document.documentElement.clientWidth");
        await BrowserFixture.ScreenshotAsync(page, "kit-phone-dark");
        Assert.True(overflow <= 0, $"page is {overflow}px wider than a 360px screen");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task ScriptAndThemeAreServedAndUnknownDashboardUrlsAre404()
    {
        using var http = server.CreateClient();
        var script = await http.GetAsync("_framework/blazor.web.js");
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.True((await script.Content.ReadAsByteArrayAsync()).Length > 100_000);
        foreach (var css in new[] { "tokens", "base", "components" })
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"theme/css/{css}.css")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("theme/js/faultline.js")).StatusCode);

        var missing = await http.GetAsync("dashboard/no/such/page");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("Nothing here", await missing.Content.ReadAsStringAsync());
    }
}
