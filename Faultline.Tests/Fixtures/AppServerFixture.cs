using System.Net;
using Faultline.Core.Storage;
using Microsoft.Playwright;

namespace Faultline.Tests.Fixtures;

/// <summary>
/// The real Faultline app on a real loopback port for browser tests (Development environment:
/// static web assets served from the build output; the component kit page exists).
/// </summary>
public sealed class AppServerFixture : IAsyncLifetime
{
    private FaultlineServer _server = null!;

    /// <summary>For example http://127.0.0.1:41234 (no trailing slash).</summary>
    public string BaseUrl => _server.BaseUrl.TrimEnd('/');
    public IServiceProvider Services => _server.Services;
    public FaultlineServer Server => _server;

    /// <summary>The dashboard needs a signed-in user: this administrator exists from the start.</summary>
    public const string AdminEmail = "kit-admin@example.com";
    public static readonly string AdminPassword = "kit admin " + Guid.NewGuid().ToString("N")[..12];

    private CookieContainer? _session;

    public async Task InitializeAsync()
    {
        _server = await FaultlineServer.StartAsync(environmentName: "Development");
        await _server.CreateUserAsync(AdminEmail, AdminPassword, UserRoles.Admin);
        (_, _session) = await _server.SignInAsync(AdminEmail, AdminPassword);
    }

    /// <summary>A fresh browser context signed in as <see cref="AdminEmail"/> (the session cookie is copied in).</summary>
    public async Task<IPage> NewSignedInPageAsync(BrowserFixture browser, int width = 1280, int height = 900, ColorScheme colorScheme = ColorScheme.Light)
    {
        var page = await browser.NewPageAsync(width, height, colorScheme);
        await page.Context.AddCookiesAsync(_session!.GetAllCookies().Select(c => new Microsoft.Playwright.Cookie
        {
            Name = c.Name, Value = c.Value, Url = BaseUrl, HttpOnly = c.HttpOnly, SameSite = SameSiteAttribute.Lax,
        }));
        return page;
    }

    /// <summary>An HTTP client carrying the administrator's session cookie (the dashboard needs a signed-in user).</summary>
    public HttpClient CreateClient()
    {
        var cookies = new CookieContainer();
        foreach (System.Net.Cookie c in _session!.GetAllCookies()) cookies.Add(c);
        return new HttpClient(new HttpClientHandler { CookieContainer = cookies, UseCookies = true }) { BaseAddress = new Uri(BaseUrl + "/") };
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();
}
