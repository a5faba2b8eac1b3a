using System.Globalization;
using System.Threading.RateLimiting;
using Faultline.Core.Config;
using Faultline.Core.Storage;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;

namespace Faultline.Web.Auth;

/// <summary>
/// Authentication and authorization for the dashboard: cookie sessions (local passwords and
/// optional OIDC), roles, the first-run gate, login throttling, logout and the management API.
/// The bearer-token API keeps its own filter (<see cref="Endpoints.ApiAuth"/>).
/// </summary>
public static class AuthSetup
{
    public const string CookieName = "faultline_session";
    public const string LoginRateLimitPolicy = "login";
    public const string AdminPolicy = "admin";
    /// <summary>How often a session cookie is re-checked against the users table (disabled, role change).</summary>
    public static readonly TimeSpan ValidationInterval = TimeSpan.FromMinutes(1);
    private const string ValidatedItem = ".faultline_validated";

    public static IServiceCollection AddFaultlineAuth(this IServiceCollection services, FaultlineOptions options)
    {
        services.AddSingleton<Passwords>();
        services.AddSingleton<SessionRevocations>();
        services.AddSingleton<AccountService>();
        services.AddSingleton<ProjectRegistration>();

        var auth = services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(o =>
            {
                o.Cookie.Name = CookieName;
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax; // Lax, not Strict: the OIDC callback is a cross-site redirect
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest; // Secure whenever the request is HTTPS
                o.LoginPath = "/login";
                o.LogoutPath = "/logout";
                o.AccessDeniedPath = "/login/denied";
                o.ReturnUrlParameter = "ReturnUrl";
                o.ExpireTimeSpan = TimeSpan.FromHours(12);
                o.SlidingExpiration = true;
                o.Events.OnValidatePrincipal = ValidateSessionAsync;
            });
        if (options.Oidc is { } oidc) OidcSetup.Add(auth, services, oidc);

        services.AddAuthorizationBuilder()
            .AddPolicy(AdminPolicy, p => p.RequireAuthenticatedUser().RequireRole(UserRoles.Admin));
        services.AddCascadingAuthenticationState();
        services.AddScoped<AuthenticationStateProvider, RevalidatingAuthState>();

        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            // Only POSTs (credential submissions) count; showing the form is free.
            o.AddPolicy(LoginRateLimitPolicy, ctx => HttpMethods.IsPost(ctx.Request.Method)
                ? RateLimitPartition.GetFixedWindowLimiter(ctx.Connection.RemoteIpAddress?.ToString() ?? "unknown", _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = options.LoginAttemptsPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0,
                })
                : RateLimitPartition.GetNoLimiter("get"));
            o.OnRejected = async (ctx, ct) =>
            {
                ctx.HttpContext.Response.Headers.RetryAfter = "60";
                ctx.HttpContext.Response.ContentType = "text/plain; charset=utf-8";
                await ctx.HttpContext.Response.WriteAsync("Too many sign-in attempts from your address. Wait a minute and try again.", ct);
            };
        });
        return services;
    }

    /// <summary>Call after the read API and before the dashboard (which adds antiforgery and the components).</summary>
    public static WebApplication UseFaultlineAuth(this WebApplication app)
    {
        app.Use(SetupGateAsync);
        app.Use(SecurityHeaders);
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapAccountEndpoints();
        app.MapManagementApi();
        return app;
    }

    /// <summary>Signs a user in with a fresh cookie session.</summary>
    public static Task SignInAsync(HttpContext http, User user, string method, string? redirectUri = null)
    {
        var props = new AuthenticationProperties { IsPersistent = false, RedirectUri = redirectUri };
        props.Items[ValidatedItem] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        return http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, AccountService.CreatePrincipal(user, method), props);
    }

    /// <summary>A relative, same-site URL or the dashboard (no open redirects).</summary>
    public static string SafeReturnUrl(string? url) =>
        url is { Length: > 0 } u && u.StartsWith('/') && !u.StartsWith("//") && !u.StartsWith("/\\") && !u.Contains('\r') && !u.Contains('\n')
            ? u : "/dashboard/";

    private static async Task ValidateSessionAsync(CookieValidatePrincipalContext ctx)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var last = ctx.Properties.Items.TryGetValue(ValidatedItem, out var v) && long.TryParse(v, CultureInfo.InvariantCulture, out var l) ? l : 0;
        var id = AccountService.UserId(ctx.Principal);
        var revocations = ctx.HttpContext.RequestServices.GetRequiredService<SessionRevocations>();
        if (id is { } uid && now - last < ValidationInterval.TotalMilliseconds && !revocations.ChangedSince(uid, last)) return;
        var accounts = ctx.HttpContext.RequestServices.GetRequiredService<AccountService>();
        if (ctx.Principal is null || await accounts.ValidatePrincipalAsync(ctx.Principal) is null)
        {
            ctx.RejectPrincipal();
            await ctx.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return;
        }
        ctx.Properties.Items[ValidatedItem] = now.ToString(CultureInfo.InvariantCulture);
        ctx.ShouldRenew = true;
    }

    /// <summary>
    /// First run: while no user exists, the dashboard and /login lead to /setup. Afterwards
    /// /setup is gone for good (it redirects to /login). The database decides which of two
    /// concurrent setups wins (see FaultlineStore.CompleteSetupAsync).
    /// </summary>
    private static async Task SetupGateAsync(HttpContext ctx, Func<Task> next)
    {
        var path = ctx.Request.Path;
        var isSetup = path.StartsWithSegments("/setup");
        var gated = path == "/" || path.StartsWithSegments("/dashboard") || path.StartsWithSegments("/login");
        if (!isSetup && !gated) { await next(); return; }
        var done = await ctx.RequestServices.GetRequiredService<AccountService>().IsSetupDoneAsync();
        if (!done && gated) { ctx.Response.Redirect("/setup"); return; }
        if (done && isSetup) { ctx.Response.Redirect("/login"); return; }
        await next();
    }

    private static Task SecurityHeaders(HttpContext ctx, Func<Task> next)
    {
        var p = ctx.Request.Path;
        if (p == "/" || p.StartsWithSegments("/dashboard") || p.StartsWithSegments("/login") || p.StartsWithSegments("/setup"))
        {
            ctx.Response.Headers.XFrameOptions = "DENY";
            ctx.Response.Headers.XContentTypeOptions = "nosniff";
            ctx.Response.Headers["Referrer-Policy"] = "same-origin";
        }
        return next();
    }

    private static void MapAccountEndpoints(this WebApplication app)
    {
        // Logout is a POST with an antiforgery token: a link or image on another site cannot sign anyone out.
        app.MapPost("/logout", async (HttpContext http, IAntiforgery antiforgery) =>
        {
            if (!await antiforgery.IsRequestValidAsync(http)) return Results.BadRequest("invalid or missing antiforgery token");
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return Results.Redirect("/login?signedOut=1");
        }).DisableAntiforgery();

        // Starting an OIDC sign-in is a POST too (no login CSRF), throttled like password attempts.
        app.MapPost("/login/oidc", async (HttpContext http, IAntiforgery antiforgery, FaultlineOptions options) =>
        {
            if (options.Oidc is null) return Results.NotFound();
            if (!await antiforgery.IsRequestValidAsync(http)) return Results.BadRequest("invalid or missing antiforgery token");
            var form = await http.Request.ReadFormAsync();
            return Results.Challenge(OidcSetup.ChallengeProperties(SafeReturnUrl(form["ReturnUrl"])), [OidcSetup.Scheme]);
        }).DisableAntiforgery().RequireRateLimiting(LoginRateLimitPolicy);
    }
}

/// <summary>Blazor circuits re-check their user every minute: a disabled user's open dashboard stops working.</summary>
internal sealed class RevalidatingAuthState(ILoggerFactory loggers, AccountService accounts) : RevalidatingServerAuthenticationStateProvider(loggers)
{
    protected override TimeSpan RevalidationInterval => AuthSetup.ValidationInterval;

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState state, CancellationToken ct) =>
        state.User.Identity?.IsAuthenticated != true || await accounts.ValidatePrincipalAsync(state.User) is not null;
}
