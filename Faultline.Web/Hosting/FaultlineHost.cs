using Faultline.Core.Config;
using Faultline.Core.Events;
using Faultline.Core.Grouping;
using Faultline.Core.Ingest;
using Faultline.Core.Loop;
using Faultline.Core.Notify;
using Faultline.Core.Ops;
using Faultline.Core.Storage;
using Faultline.Web.Auth;
using Faultline.Web.Components;
using Faultline.Core.Storage.Dolt;
using Faultline.Core.Storage.History;
using Faultline.Web.Endpoints;
using Microsoft.AspNetCore.HttpOverrides;

namespace Faultline.Web.Hosting;

/// <summary>
/// Builds the Faultline web application from options. Used by `faultline serve` and by the
/// integration tests (which start it on a real loopback port).
/// </summary>
public static class FaultlineHost
{
    public static WebApplication Build(FaultlineOptions options, string[]? args = null, Action<WebApplicationBuilder>? configure = null,
        string? environmentName = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args ?? [],
            ContentRootPath = AppContext.BaseDirectory,
            // Fixed so static web assets resolve when hosted by a test runner too.
            ApplicationName = typeof(FaultlineHost).Assembly.GetName().Name,
            EnvironmentName = environmentName,
        });
        builder.WebHost.UseUrls(options.ListenUrl);
        builder.WebHost.ConfigureKestrel(k =>
        {
            // Envelopes may be up to 20 MB compressed; BodyDecoder enforces the real caps with a clear 413.
            k.Limits.MaxRequestBodySize = 21L * 1024 * 1024;
            k.AddServerHeader = false;
        });
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        AddFaultlineServices(builder.Services, options);
        builder.Services.AddFaultlineDashboard();
        builder.Services.AddFaultlineAuth(options);
        configure?.Invoke(builder);

        var app = builder.Build();
        // First, so ingest logs, login throttling and the cookie's Secure flag see the client, not the proxy.
        app.UseTrustedForwardedHeaders(options);
        app.UseIngest();
        app.MapReadApi();
        app.MapOpsEndpoints();
        app.MapHistoryApi();
        app.MapLoopEndpoints();
        app.MapGet("/", () => Results.Redirect("/dashboard/"));
        // Authentication, authorization, the first-run gate and login throttling: before the dashboard's antiforgery.
        app.UseFaultlineAuth();
        app.MapFaultlineDashboard();
        return app;
    }

    /// <summary>
    /// X-Forwarded-For / X-Forwarded-Proto from the proxies in FAULTLINE_TRUSTED_PROXIES only; with
    /// none configured the headers are ignored (no middleware at all). The chain is walked from
    /// the right while the hop is trusted, so a client cannot inject an address of its own.
    /// </summary>
    public static void UseTrustedForwardedHeaders(this IApplicationBuilder app, FaultlineOptions options)
    {
        if (options.TrustedProxies.Count == 0) return;
        var forwarded = new ForwardedHeadersOptions
        {
            ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto,
            ForwardLimit = null,
        };
        forwarded.KnownProxies.Clear();      // drop the framework's loopback default: only what the operator named
        forwarded.KnownIPNetworks.Clear();
        foreach (var n in options.TrustedProxies) forwarded.KnownIPNetworks.Add(n);
        app.UseForwardedHeaders(forwarded);
    }

    public static void AddFaultlineServices(IServiceCollection services, FaultlineOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(_ => new Database(StorageFactory.CreateDialect(options)));
        services.AddSingleton<FaultlineStore>();
        services.AddSingleton<IssueEvents>();
        services.AddSingleton(new IngestQueue());
        services.AddSingleton<BatchWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<BatchWriter>());
        AddStorageServices(services);
        services.AddSingleton<ProjectDirectory>();
        services.AddSingleton(sp => new ProjectRateLimiter(options.RateLimitPerSecond, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(new IngestSettings { ScrubPii = options.ScrubPii });
        services.AddSingleton<EventNormalizer>();
        services.AddSingleton<Fingerprinter>();
        services.AddSingleton<PiiScrubber>();
        services.AddSingleton<IngestPipeline>();
        services.AddSingleton<IngestHandler>();
        services.AddFaultlineOps(options);
        services.AddGasTownLoop(options.Loop);
    }

    /// <summary>History, Dolt commits, retention and database diagnostics (each idle where it does not apply).</summary>
    private static void AddStorageServices(IServiceCollection services)
    {
        services.AddSingleton<IBatchObserver, IssueHistoryObserver>();
        services.AddSingleton<IDoltRepository, DoltRepository>();
        services.AddSingleton<DoltHistoryReader>();
        services.AddSingleton<HistoryCommitter>();
        services.AddHostedService(sp => sp.GetRequiredService<HistoryCommitter>());
        services.AddSingleton<RetentionJob>();
        services.AddHostedService(sp => sp.GetRequiredService<RetentionJob>());
        services.AddSingleton<DatabaseDoctor>();
        services.AddHostedService<DatabaseDoctorService>();
    }

    /// <summary>Migrates, seeds FAULTLINE_PROJECTS and loads the key cache. Run before serving.</summary>
    public static async Task InitializeAsync(IServiceProvider services)
    {
        var db = services.GetRequiredService<Database>();
        var log = services.GetRequiredService<ILoggerFactory>().CreateLogger("Faultline.Startup");
        await StorageFactory.ProbeAsync(db, log);
        await new MigrationRunner(db.Dialect, log).ApplyAsync();
        var store = services.GetRequiredService<FaultlineStore>();
        var options = services.GetRequiredService<FaultlineOptions>();
        foreach (var p in options.Projects)
            await store.UpsertProjectAsync(p.Id, $"project-{p.Id}", p.PublicKey, p.Rig);
        await services.GetRequiredService<ProjectDirectory>().ReloadAsync();
    }
}
