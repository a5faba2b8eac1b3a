using System.Collections;
using System.Net.Http.Headers;
using Faultline.Core.Config;
using Faultline.Core.Storage;
using Faultline.Web.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

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

    private FaultlineServer(string dir, WebApplication app)
    {
        _dir = dir;
        App = app;
        BaseUrl = app.Urls.First().Replace("0.0.0.0", "127.0.0.1");
        Http = new HttpClient { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(60) };
    }

    /// <param name="configure">Last word on services, e.g. a test clock (TimeProvider) or process runner.</param>
    public static async Task<FaultlineServer> StartAsync(IDictionary<string, string>? env = null, string? dsn = null, string? environmentName = null,
        Action<WebApplicationBuilder>? configure = null)
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
        var app = FaultlineHost.Build(options, configure: configure, environmentName: environmentName);
        await FaultlineHost.InitializeAsync(app.Services);
        await app.StartAsync();
        return new FaultlineServer(dir, app);
    }

    /// <summary>Creates an API token and returns a client sending it.</summary>
    public async Task<HttpClient> ClientWithTokenAsync(long? projectId, string scope = TokenScope.Project)
    {
        var t = await Store.CreateTokenAsync("test", projectId, projectId is null && scope == TokenScope.Project ? TokenScope.All : scope);
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
