using System.Text.RegularExpressions;
using Faultline.Core.Storage;
using Faultline.Tests.Fixtures;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Faultline.Tests.Accounts;

/// <summary>The first-run wizard and local sign-in in a real Chromium, each against a fresh server.</summary>
[Collection(BrowserCollection.Name)]
public sealed class AccountBrowserTests(BrowserFixture browser)
{
    [Fact]
    public async Task FirstRunWizardCreatesTheAdminShowsTheDsnAndOpensTheDashboard()
    {
        await using var s = await FaultlineServer.StartAsync(environmentName: "Development", captureLevel: LogLevel.Debug);
        var baseUrl = s.BaseUrl.TrimEnd('/');
        var page = await browser.NewPageAsync();
        await page.GotoAsync(baseUrl + "/dashboard/");
        await Expect(page).ToHaveURLAsync(baseUrl + "/setup");

        // A weak password is refused with a reason.
        await page.Locator("#setup-email").FillAsync("first@example.com");
        await page.Locator("#setup-password").FillAsync("password");
        await page.Locator("#setup-confirm").FillAsync("password");
        await page.Locator("#setup-submit").ClickAsync();
        await Expect(page.Locator("#setup-errors")).ToContainTextAsync("at least 12 characters");

        var password = TestLogs.Secret("limestone marble slate chalk", "password");
        await page.Locator("#setup-password").FillAsync(password);
        await page.Locator("#setup-confirm").FillAsync(password);
        await page.Locator("#setup-project").FillAsync("storefront");
        await page.Locator("#setup-submit").ClickAsync();
        await Expect(page.Locator("#setup-done")).ToBeVisibleAsync();
        await Expect(page.Locator("#setup-project-name")).ToHaveTextAsync("storefront");
        var dsn = await page.Locator("#setup-dsn").InnerTextAsync();
        Assert.Matches(@"^http://[0-9a-f]{32}@localhost:\d+/\d+$", dsn.Trim());
        await Expect(page.Locator("#setup-snippet-python")).ToContainTextAsync(dsn.Trim());
        await BrowserFixture.ScreenshotAsync(page, "setup-done");

        await page.Locator("#setup-continue").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/dashboard/"));
        await Expect(page.Locator("#topbar-user")).ToContainTextAsync("first@example.com");
        await Expect(page.Locator("#topbar-user")).ToContainTextAsync("admin");

        // The wizard is gone for good.
        await page.GotoAsync(baseUrl + "/setup");
        await Expect(page).ToHaveURLAsync(new Regex("/login$"));
        foreach (var c in await page.Context.CookiesAsync()) TestLogs.Secret(c.Value, "cookie " + c.Name);
        await page.Context.CloseAsync();
        Assert.Empty(TestLogs.Leaks(s.Logs.Lines));
    }

    [Fact]
    public async Task LocalLoginLogoutAndLockout()
    {
        await using var s = await FaultlineServer.StartAsync(environmentName: "Development", captureLevel: LogLevel.Debug);
        var baseUrl = s.BaseUrl.TrimEnd('/');
        const string email = "dana@example.com";
        var password = "dana's long password 7";
        await s.CreateUserAsync(email, password, UserRoles.Member);
        await s.CreateUserAsync("victim@example.com", "victim password 123", UserRoles.Member);

        var page = await browser.NewPageAsync();
        await page.GotoAsync(baseUrl + "/dashboard/admin/tokens");
        await Expect(page).ToHaveURLAsync(new Regex("/login\\?ReturnUrl="));

        await page.Locator("#login-email").FillAsync(email);
        await page.Locator("#login-password").FillAsync("not the password");
        await page.Locator("#login-submit").ClickAsync();
        await Expect(page.Locator("#login-error")).ToHaveTextAsync("Wrong email or password.");

        await page.Locator("#login-email").FillAsync(email);
        await page.Locator("#login-password").FillAsync(password);
        await page.Locator("#login-submit").ClickAsync();
        // A member asked for an admin page: signed in, then told it needs the admin role.
        await Expect(page.Locator("#denied")).ToBeVisibleAsync();
        await page.GotoAsync(baseUrl + "/dashboard/_kit");
        await Expect(page.Locator("#topbar-user")).ToContainTextAsync(email);
        await Expect(page.Locator("#topbar-user")).ToContainTextAsync("member");
        var cookie = (await page.Context.CookiesAsync()).Single(c => c.Name == "faultline_session");
        TestLogs.Secret(cookie.Value, "session cookie");
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Lax, cookie.SameSite);

        await page.Locator("#logout").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/login\\?signedOut=1"));
        await Expect(page.Locator("#login-status")).ToHaveTextAsync("You are signed out.");
        await page.GotoAsync(baseUrl + "/dashboard/_kit");
        await Expect(page).ToHaveURLAsync(new Regex("/login\\?ReturnUrl="));

        // Five wrong passwords lock the account: then even the right one is refused.
        for (var i = 0; i < 5; i++)
        {
            await page.Locator("#login-email").FillAsync("victim@example.com");
            await page.Locator("#login-password").FillAsync("guess number " + i);
            await page.Locator("#login-submit").ClickAsync();
            await Expect(page.Locator("#login-error")).ToBeVisibleAsync();
        }
        await Expect(page.Locator("#login-error")).ToContainTextAsync("locked");
        await page.Locator("#login-email").FillAsync("victim@example.com");
        await page.Locator("#login-password").FillAsync("victim password 123");
        await page.Locator("#login-submit").ClickAsync();
        await Expect(page.Locator("#login-error")).ToContainTextAsync("locked for 15 minutes");
        await BrowserFixture.ScreenshotAsync(page, "login-locked");
        var victim = await s.Store.FindUserByEmailAsync("victim@example.com");
        Assert.True(victim!.LockedUntil > DateTime.UtcNow.AddMinutes(14));
        await page.Context.CloseAsync();
        Assert.Empty(TestLogs.Leaks(s.Logs.Lines));
    }

    [Fact]
    public async Task AdminCreatesAndDisablesUsersAndManagesTokens()
    {
        await using var s = await FaultlineServer.StartAsync(environmentName: "Development");
        var baseUrl = s.BaseUrl.TrimEnd('/');
        await s.CreateUserAsync("root@example.com", "root password 1234", UserRoles.Admin);
        var page = await browser.NewPageAsync();
        await page.GotoAsync(baseUrl + "/login");
        await page.Locator("#login-email").FillAsync("root@example.com");
        await page.Locator("#login-password").FillAsync("root password 1234");
        await page.Locator("#login-submit").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/dashboard/"));

        await page.GotoAsync(baseUrl + "/dashboard/admin/users");
        await page.Locator("#new-email").FillAsync("newbie@example.com");
        await page.Locator("#new-password").FillAsync(TestLogs.Secret("newbie password 99", "password"));
        await page.Locator("#new-submit").ClickAsync();
        await Expect(page.Locator("#users-message")).ToContainTextAsync("Added newbie@example.com as member");
        var row = page.Locator("tr[data-user='newbie@example.com']");
        await row.Locator("button", new() { HasText = "Disable" }).ClickAsync();
        await Expect(page.Locator("#users-message")).ToContainTextAsync("disabled");
        Assert.True((await s.Store.FindUserByEmailAsync("newbie@example.com"))!.Disabled);

        await page.GotoAsync(baseUrl + "/dashboard/admin/tokens");
        await page.Locator("#token-name").FillAsync("deploy bot");
        await page.Locator("#token-scope").SelectOptionAsync("project:1");
        await page.Locator("#token-submit").ClickAsync();
        var secret = TestLogs.Secret((await page.Locator("#token-secret").InnerTextAsync()).Trim(), "api token");
        Assert.StartsWith("fl_", secret);
        var api = s.NewClient();
        api.DefaultRequestHeaders.Authorization = new("Bearer", secret);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await api.GetAsync("/api/1/issues/")).StatusCode);
        // Shown once: a reload lists the token by prefix only.
        await page.GotoAsync(baseUrl + "/dashboard/admin/tokens");
        Assert.DoesNotContain(secret, await page.ContentAsync());
        var tokenRow = page.Locator("#tokens-table tr", new() { HasText = "deploy bot" });
        await Expect(tokenRow).ToContainTextAsync(secret[..8]);
        await tokenRow.Locator("button", new() { HasText = "Revoke" }).ClickAsync();
        await Expect(page.Locator("#tokens-message")).ToHaveTextAsync("Token revoked.");
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await api.GetAsync("/api/1/issues/")).StatusCode);
        await page.Context.CloseAsync();
    }
}
