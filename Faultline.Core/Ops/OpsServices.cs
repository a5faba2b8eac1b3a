using Faultline.Core.Config;
using Faultline.Core.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Faultline.Core.Ops;

public static class OpsServices
{
    /// <summary>Registers heartbeats, uptime checks, health, metrics and self-monitoring. Call after the BatchWriter registration.</summary>
    public static IServiceCollection AddFaultlineOps(this IServiceCollection services, FaultlineOptions options)
    {
        var ops = options.Ops;
        services.AddSingleton(ops);
        services.Configure<HostOptions>(h =>
        {
            // A graceful stop lets Kestrel finish in-flight requests (they wait for their commit),
            // then the BatchWriter drains everything already queued.
            h.ShutdownTimeout = TimeSpan.FromSeconds(ops.ShutdownTimeoutSecs);
            // A failing helper (retention, poller, ...) must not take ingest down: it is reported
            // on /_health (stale last run) and as a self-monitoring event instead.
            h.BackgroundServiceExceptionBehavior = BackgroundServiceExceptionBehavior.Ignore;
        });
        services.AddSingleton<BackgroundRuns>();
        services.AddSingleton(sp => new IngestRate(sp.GetRequiredService<BatchWriter>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<HealthReporter>();
        services.AddSingleton(sp => new UptimeProbe(TimeSpan.FromSeconds(ops.UptimeTimeoutSecs), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<UptimeChecker>();
        services.AddHostedService(sp => sp.GetRequiredService<UptimeChecker>());
        services.AddSingleton<HeartbeatMonitor>();
        services.AddHostedService(sp => sp.GetRequiredService<HeartbeatMonitor>());
        services.AddSingleton<SelfMonitor>();
        services.AddHostedService<SelfMonitorHooks>();
        services.AddSingleton<ILoggerProvider, SelfMonitorLoggerProvider>();
        // Binds the queue gauges and starts the event-rate sampler with the host.
        services.AddHostedService(sp => new QueueGaugeBinder(sp.GetRequiredService<IngestQueue>(), sp.GetRequiredService<IngestRate>()));
        return services;
    }

    private sealed class QueueGaugeBinder(IngestQueue queue, IngestRate rate) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            FaultlineMeter.Observe(queue);
            rate.Sample();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
