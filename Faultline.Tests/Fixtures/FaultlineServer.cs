using System.Collections;
using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Faultline.Core.Config;
using Faultline.Core.Storage;
using Faultline.Web.Auth;
using Faultline.Web.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Faultline.Tests.Fixtures;

/// <summary>
/// The real Faultline host on a real loopback port (Kestrel, real HTTP), with its own database.
/// SQLite in a temp folder by default; pass a MySQL connection string to run on MariaDB.
/// </summary>
public sealed class FaultlineServer : IAsyncDisposable
{
    public const string Key1 = "0123456789abcdef0123456789abcdef";
    public const string Key2 = "fedcba9876543210fedcba9876543210";

    private readonly string _dir;
    public WebApplication App { get; }
    public string BaseUrl { get; }
    public HttpClient Http { get; }
    public IServiceProvider Services => App.Services;
    public FaultlineStore Store => Services.GetRequiredService<FaultlineStore>();

    /// <summary>Everything this host logged (see <see cref="TestLogs"/> for the whole run).</summary>
    public CapturingLoggerProvider Logs { get; }

    private FaultlineServer(string dir, WebApplication app, CapturingLoggerProvider logs)
    {
        _dir = dir;
        App = app;
        Logs = logs;
        BaseUrl = app.Urls.First().Replace("0.0.0.0", "127.0.0.1");
        Http = new HttpClient { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(60) };
    }

    public static async Task<FaultlineServer> StartAsync(IDictionary<string, string>? env = null, string? dsn = null,
        Action<WebApplicationBuilder>? configure = null, string? environmentName = null, LogLevel captureLevel = LogLevel.Information)
    {
        var dir = Path.Combine(Path.GetTempPath(), "faultline-test-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(dir);
        var vars = new Hashtable
        {
            ["FAULTLINE_ADDR"] = "127.0.0.1:0",
            ["FAULTLINE_DSN"] = dsn ?? $"sqlite:{Path.Combine(dir, "faultline.db")}",
            ["FAULTLINE_PROJECTS"] = $"1:{Key1},2:{Key2}",
            ["FAULTLINE_DATA_DIR"] = dir,
        };
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) vars[k] = v;
        var options = FaultlineOptions.FromDictionary(vars);
        var logs = new CapturingLoggerProvider(Path.GetFileName(dir));
        var app = FaultlineHost.Build(options, environmentName: environmentName, configure: b =>
        {
            b.Logging.AddProvider(logs);
            b.Logging.AddFilter<CapturingLoggerProvider>(null, captureLevel);
            configure?.Invoke(b);
        });
        await FaultlineHost.InitializeAsync(app.Services);
        await app.StartAsync();
        return new FaultlineServer(dir, app, logs);
    }

    /// <summary>Creates a local user (the password is registered as a secret for the log check).</summary>
    public async Task<User> CreateUserAsync(string email, string password, string role = UserRoles.Member)
    {
        TestLogs.Secret(password, "password");
        return await Services.GetRequiredService<AccountService>().CreateLocalUserAsync(email, password, role)
               ?? throw new InvalidOperationException($"user {email} exists");
    }

    /// <summary>A client that never follows redirects and keeps cookies in <paramref name="cookies"/>.</summary>
    public HttpClient NewClient(CookieContainer? cookies = null) =>
        new(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = cookies ?? new CookieContainer(), UseCookies = true })
        {
            BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(60),
        };

    /// <summary>The antiforgery token of the first form in a page.</summary>
    public static string FormToken(string html) =>
        Regex.Match(html, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"") is { Success: true } m
            ? WebUtility.HtmlDecode(m.Groups[1].Value) : throw new InvalidOperationException("no antiforgery token in the page");

    /// <summary>Posts the login form like a browser; returns the response (302 on success).</summary>
    public async Task<HttpResponseMessage> PostLoginAsync(HttpClient client, string email, string password)
    {
        var html = await client.GetStringAsync("/login");
        return await client.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = FormToken(html), ["_handler"] = "login",
            ["Input.Email"] = email, ["Input.Password"] = password,
        }));
    }

    /// <summary>Signs in over HTTP and returns a cookie-carrying client (no redirects followed).</summary>
    public async Task<(HttpClient Client, CookieContainer Cookies)> SignInAsync(string email, string password)
    {
        var cookies = new CookieContainer();
        var client = NewClient(cookies);
        var r = await PostLoginAsync(client, email, password);
        if (r.StatusCode != HttpStatusCode.Found)
            throw new InvalidOperationException($"sign-in as {email} answered {(int)r.StatusCode}");
        foreach (Cookie c in cookies.GetAllCookies()) TestLogs.Secret(c.Value, $"cookie {c.Name}");
        return (client, cookies);
    }

    /// <summary>Creates an API token and returns a client sending it.</summary>
    public async Task<HttpClient> ClientWithTokenAsync(long? projectId, string scope = TokenScope.Project)
    {
        var t = await Store.CreateTokenAsync("test", projectId, projectId is null && scope == TokenScope.Project ? TokenScope.All : scope);
        TestLogs.Secret(t.Secret, "api token");
        var c = new HttpClient { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(60) };
        c.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", t.Secret);
        return c;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}
