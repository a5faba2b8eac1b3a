using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Faultline.Core.Loop;

public static class GasTownLoopServices
{
    /// <summary>
    /// Registers the loop. Always: its store (context endpoint, CI runs, webhooks) and, with
    /// FAULTLINE_SLACK_WEBHOOK, the Slack relay. Only with a Gas Town root: bd/gt clients, the tracker, the
    /// <see cref="LoopService"/> and <see cref="IBeadDispatcher"/> — without a town there is nowhere to
    /// file, so nothing is filed and the dashboard offers no Dispatch button.
    /// Services a host registers later (a test's process runner or clock) take precedence.
    /// </summary>
    public static IServiceCollection AddGasTownLoop(this IServiceCollection services, LoopOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton<LoopStore>();

        if (options.SlackWebhook is { } webhook)
        {
            services.AddSingleton(sp => new SlackNotifier(new HttpClient(), webhook, sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<SlackNotifier>>()));
            services.AddSingleton<ISlackNotifier>(sp => sp.GetRequiredService<SlackNotifier>());
            services.AddHostedService(sp => sp.GetRequiredService<SlackNotifier>());
            services.AddSingleton<SlackLoopRelay>();
            services.AddHostedService(sp => sp.GetRequiredService<SlackLoopRelay>());
        }

        if (!options.TownConfigured) return services;
        services.TryAddSingleton<IProcessRunner, ProcessRunner>();
        services.AddSingleton(sp =>
        {
            var tracker = new BeadTracker(sp.GetRequiredService<TimeProvider>());
            foreach (var (projectId, thresholds) in options.Thresholds) tracker.SetThresholds(projectId, thresholds);
            return tracker;
        });
        services.AddSingleton<IBdClient>(sp => new BdClient(sp.GetRequiredService<IProcessRunner>(), options));
        services.AddSingleton<IGtClient>(sp => new GtClient(sp.GetRequiredService<IProcessRunner>(), options));
        services.AddSingleton<LoopService>();
        services.AddHostedService(sp => sp.GetRequiredService<LoopService>());
        services.AddSingleton<IBeadDispatcher>(sp => sp.GetRequiredService<LoopService>());
        return services;
    }
}
