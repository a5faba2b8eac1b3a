using System.Text.RegularExpressions;
using Faultline.Core.Storage;
using Faultline.Tests.Fixtures;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Faultline.Tests.Accounts;

/// <summary>A real oidc-provider on loopback and Faultline configured against it; both started once for the class.</summary>
public sealed class OidcFixture : IAsyncLifetime
{
    public OidcProviderProcess Provider { get; private set; } = null!;
    public FaultlineServer Server { get; private set; } = null!;
    public const string LocalAdmin = "local-admin@example.com";
    public const string LocalAdminPassword = "local admin password 42";

    public async Task InitializeAsync()
    {
        // Faultline's port is chosen first: the provider must know the exact redirect URI.
        var port = OidcProviderProcess.FreePort();
        Provider = await OidcProviderProcess.StartAsync($"http://127.0.0.1:{port}/signin-oidc");
        Server = await FaultlineServer.StartAsync(new Dictionary<string, string>
        {
            ["FAULTLINE_ADDR"] = $"127.0.0.1:{port}",
            ["FAULTLINE_OIDC_AUTHORITY"] = Provider.Issuer,
            ["FAULTLINE_OIDC_CLIENT_ID"] = Provider.ClientId,
            ["FAULTLINE_OIDC_CLIENT_SECRET"] = Provider.ClientSecret,
            ["FAULTLINE_OIDC_PROVIDER_NAME"] = "Test IdP",
            ["FAULTLINE_ALLOWED_USERS"] = "alice@partner.example",
            ["FAULTLINE_ALLOWED_DOMAINS"] = "allowed.example",
        }, environmentName: "Development", captureLevel: LogLevel.Debug);
        await Server.CreateUserAsync(LocalAdmin, LocalAdminPassword, UserRoles.Admin);
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await Provider.DisposeAsync();
    }
}

[Collection(BrowserCollection.Name)]
public sealed class OidcLoginTests(BrowserFixture browser, OidcFixture oidc) : IClassFixture<OidcFixture>
{
    private string Base => oidc.Server.BaseUrl.TrimEnd('/');

    /// <summary>Login page → "Sign in with Test IdP" → the provider's login form → consent → back to Faultline.</summary>
    private async Task<IPage> SignInWithProviderAsync(string login)
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync(Base + "/dashboard/");
        await Expect(page).ToHaveURLAsync(new Regex("/login"));
        await page.Locator("#login-oidc").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("^" + Regex.Escape(oidc.Provider.Issuer)));
        await page.Locator("input[name=login]").FillAsync(login);
        await page.Locator("input[name=password]").FillAsync(TestLogs.Secret("provider-password-" + login, "provider password"));
        await page.Locator("button[type=submit]").ClickAsync();
        // The provider asks for consent once per account and client.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (page.Url.StartsWith(oidc.Provider.Issuer) && DateTime.UtcNow < deadline)
        {
            var consent = page.Locator("button[type=submit]", new() { HasText = "Continue" });
            if (await consent.CountAsync() > 0) { await consent.ClickAsync(); continue; }
            await page.WaitForTimeoutAsync(100);
        }
        return page;
    }

    [Fact]
    public async Task AllowListedUserSignsInThroughTheRealProviderAndIsProvisionedAsMember()
    {
        var page = await SignInWithProviderAsync("dev@allowed.example");
        await Expect(page).ToHaveURLAsync(new Regex(Regex.Escape(Base) + "/dashboard/"));
        await Expect(page.Locator("#topbar-user")).ToContainTextAsync("Test dev");
        await Expect(page.Locator("#topbar-user")).ToContainTextAsync("member");
        await BrowserFixture.ScreenshotAsync(page, "oidc-signed-in");

        var user = await oidc.Server.Store.FindUserByEmailAsync("dev@allowed.example");
        Assert.NotNull(user);
        Assert.Equal(UserRoles.Member, user!.Role);
        Assert.Null(user.PasswordHash);
        Assert.Equal(oidc.Provider.Issuer + "|dev@allowed.example", user.ExternalSubject);
        // Members do not get the admin pages.
        await page.GotoAsync(Base + "/dashboard/admin/users");
        await Expect(page.Locator("#denied")).ToBeVisibleAsync();

        // Signing in again finds the same user (by issuer + subject), no duplicate.
        await page.Context.CloseAsync();
        var again = await SignInWithProviderAsync("dev@allowed.example");
        await Expect(again).ToHaveURLAsync(new Regex(Regex.Escape(Base) + "/dashboard/"));
        Assert.Single(await oidc.Server.Store.ListUsersAsync(), u => u.Email == "dev@allowed.example");
        foreach (var c in await again.Context.CookiesAsync()) TestLogs.Secret(c.Value, "cookie " + c.Name);
        await again.Context.CloseAsync();
        Assert.Empty(TestLogs.Leaks(oidc.Server.Logs.Lines));
    }

    [Fact]
    public async Task ExactAllowListedAddressIsAccepted()
    {
        var page = await SignInWithProviderAsync("alice@partner.example");
        await Expect(page).ToHaveURLAsync(new Regex(Regex.Escape(Base) + "/dashboard/"));
        Assert.NotNull(await oidc.Server.Store.FindUserByEmailAsync("alice@partner.example"));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task UserOutsideTheAllowListGetsAClearRefusalAndNoAccount()
    {
        var page = await SignInWithProviderAsync("mallory@evil.example");
        await Expect(page).ToHaveURLAsync(new Regex("/login/refused"));
        await Expect(page.Locator("#refused")).ToContainTextAsync("not on this installation's allow-list");
        await BrowserFixture.ScreenshotAsync(page, "oidc-refused");
        Assert.Null(await oidc.Server.Store.FindUserByEmailAsync("mallory@evil.example"));
        // No session: the dashboard still sends this browser to the login page.
        await page.GotoAsync(Base + "/dashboard/");
        await Expect(page).ToHaveURLAsync(new Regex("/login"));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task LocalAndOidcSignInAreBothOffered()
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync(Base + "/login");
        await Expect(page.Locator("#login-oidc")).ToHaveTextAsync("Sign in with Test IdP");
        await page.Locator("#login-email").FillAsync(OidcFixture.LocalAdmin);
        await page.Locator("#login-password").FillAsync(OidcFixture.LocalAdminPassword);
        await page.Locator("#login-submit").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/dashboard/"));
        await Expect(page.Locator("#topbar-user")).ToContainTextAsync("admin");
        await page.Context.CloseAsync();
    }
}
