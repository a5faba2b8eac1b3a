using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Faultline.Web.Components;

/// <summary>
/// Everything the Blazor Server dashboard needs, kept in one place so Program.cs only calls
/// <see cref="AddFaultlineDashboard"/> and <see cref="MapFaultlineDashboard"/>.
/// </summary>
public static class DashboardSetup
{
    /// <summary>The living style guide; served only in Development (see <see cref="MapFaultlineDashboard"/>).</summary>
    public const string KitPath = "/dashboard/_kit";

    public static IServiceCollection AddFaultlineDashboard(this IServiceCollection services)
    {
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddAntiforgery();
        // Components read the clock through TimeProvider so tests can pin "now".
        services.TryAddSingleton(TimeProvider.System);
        return services;
    }

    public static WebApplication MapFaultlineDashboard(this WebApplication app)
    {
        // The component kit page is a developer tool: outside Development it does not exist, even
        // for a request that bypasses the router (the page repeats the check for in-circuit navigation).
        if (!app.Environment.IsDevelopment())
        {
            app.Use((context, next) =>
            {
                if (context.Request.Path.StartsWithSegments(KitPath, StringComparison.OrdinalIgnoreCase))
                {
                    context.Response.StatusCode = StatusCodes.Status404NotFound;
                    return Task.CompletedTask;
                }
                return next(context);
            });
        }

        // Runs after authentication (UseFaultlineAuth) and before the endpoints.
        app.UseAntiforgery();
        // Serves wwwroot (the extracted blazor.web.js) and the linked theme under /theme/,
        // fingerprinted and pre-compressed, from the static web assets manifest.
        app.MapStaticAssets();
        // Every page (and the circuit hub) needs a signed-in user; /login, /setup and the refusal
        // pages opt out with [AllowAnonymous]. Static assets are separate endpoints and stay public.
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode().RequireAuthorization();
        return app;
    }
}
