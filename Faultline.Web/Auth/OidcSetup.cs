using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Faultline.Core.Config;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OAuth;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace Faultline.Web.Auth;

/// <summary>
/// OpenID Connect sign-in with the shared framework's OAuth handler (the OpenIdConnect handler
/// package is not available here) plus Microsoft.IdentityModel for the protocol parts:
/// discovery at start-up, authorization code + PKCE, state (the handler's protected state and
/// correlation cookie), a nonce carried in the protected state, full id_token validation
/// (signature against the provider's JWKS, issuer, audience/azp, expiry, nonce), then the
/// userinfo endpoint for profile claims (its sub must match the id_token's).
/// </summary>
public static class OidcSetup
{
    public const string Scheme = "oidc";
    public const string CallbackPath = "/signin-oidc";
    private const string NonceItem = ".faultline_nonce";

    public static AuthenticationProperties ChallengeProperties(string returnUrl)
    {
        var props = new AuthenticationProperties { RedirectUri = returnUrl };
        props.Items[NonceItem] = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        return props;
    }

    internal static void Add(AuthenticationBuilder auth, IServiceCollection services, OidcOptions oidc)
    {
        var manager = new ConfigurationManager<OpenIdConnectConfiguration>(
            oidc.Authority.ToString().TrimEnd('/') + "/.well-known/openid-configuration",
            new OpenIdConnectConfigurationRetriever(),
            new HttpDocumentRetriever { RequireHttps = oidc.RequireHttps });
        var discovery = FetchDiscovery(manager, oidc);
        services.AddSingleton(new OidcRuntime(oidc, manager, discovery.Issuer));

        auth.AddOAuth(Scheme, oidc.ProviderName, o =>
        {
            o.ClientId = oidc.ClientId;
            o.ClientSecret = oidc.ClientSecret;
            o.AuthorizationEndpoint = discovery.AuthorizationEndpoint;
            o.TokenEndpoint = discovery.TokenEndpoint;
            o.UserInformationEndpoint = discovery.UserInfoEndpoint;
            o.CallbackPath = CallbackPath;
            o.UsePkce = true;
            o.SaveTokens = false; // the provider's tokens are not kept in the session cookie
            o.SignInScheme = CookieAuthenticationDefaults.AuthenticationScheme;
            o.Scope.Clear();
            o.Scope.Add("openid");
            o.Scope.Add("profile");
            o.Scope.Add("email");
            // SameSite=None cookies are dropped on plain http; Lax still travels on the top-level callback redirect.
            o.CorrelationCookie.SameSite = SameSiteMode.Lax;
            o.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.CorrelationCookie.HttpOnly = true;
            o.Events.OnRedirectToAuthorizationEndpoint = ctx =>
            {
                var uri = ctx.RedirectUri;
                if (ctx.Properties.Items.TryGetValue(NonceItem, out var nonce) && nonce is not null)
                    uri = QueryHelpers.AddQueryString(uri, "nonce", nonce);
                ctx.Response.Redirect(uri);
                return Task.CompletedTask;
            };
            o.Events.OnCreatingTicket = CreatingTicketAsync;
            o.Events.OnRemoteFailure = ctx =>
            {
                var reason = ctx.Failure is OidcRefusedException r ? r.Reason : "failed";
                ctx.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Faultline.Auth.Oidc")
                    .LogWarning("OIDC sign-in did not complete: {Reason} ({Error})", reason, ctx.Failure?.GetType().Name);
                ctx.Response.Redirect("/login/refused?reason=" + Uri.EscapeDataString(reason));
                ctx.HandleResponse();
                return Task.CompletedTask;
            };
        });
    }

    private static OpenIdConnectConfiguration FetchDiscovery(ConfigurationManager<OpenIdConnectConfiguration> manager, OidcOptions oidc)
    {
        OpenIdConnectConfiguration cfg;
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            cfg = manager.GetConfigurationAsync(cts.Token).GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ex is not ConfigException)
        {
            throw new ConfigException("FAULTLINE_OIDC_AUTHORITY",
                $"OpenID Connect discovery at {oidc.Authority.ToString().TrimEnd('/')}/.well-known/openid-configuration failed: {ex.GetBaseException().Message}");
        }
        if (cfg.Issuer?.TrimEnd('/') != oidc.Authority.ToString().TrimEnd('/'))
            throw new ConfigException("FAULTLINE_OIDC_AUTHORITY", $"the provider's issuer '{cfg.Issuer}' does not match '{oidc.Authority}'");
        if (string.IsNullOrEmpty(cfg.AuthorizationEndpoint) || string.IsNullOrEmpty(cfg.TokenEndpoint) || string.IsNullOrEmpty(cfg.UserInfoEndpoint))
            throw new ConfigException("FAULTLINE_OIDC_AUTHORITY", "the provider's discovery document lacks the authorization, token or userinfo endpoint");
        return cfg;
    }

    private static async Task CreatingTicketAsync(OAuthCreatingTicketContext ctx)
    {
        var rt = ctx.HttpContext.RequestServices.GetRequiredService<OidcRuntime>();
        var ct = ctx.HttpContext.RequestAborted;
        var idToken = ctx.TokenResponse.Response?.RootElement.TryGetProperty("id_token", out var t) == true ? t.GetString() : null;
        if (string.IsNullOrEmpty(idToken)) throw new OidcRefusedException("invalid_token", "the token response has no id_token");
        ctx.Properties.Items.TryGetValue(NonceItem, out var expectedNonce);
        if (string.IsNullOrEmpty(expectedNonce)) throw new OidcRefusedException("invalid_token", "no nonce in the sign-in state");

        var jwt = await rt.ValidateIdTokenAsync(idToken, ct);
        if (!jwt.TryGetPayloadValue<string>("nonce", out var nonce) ||
            !CryptographicOperations.FixedTimeEquals(System.Text.Encoding.UTF8.GetBytes(nonce ?? ""), System.Text.Encoding.UTF8.GetBytes(expectedNonce)))
            throw new OidcRefusedException("invalid_token", "the id_token nonce does not match");
        var subject = jwt.Subject;
        if (string.IsNullOrEmpty(subject)) throw new OidcRefusedException("invalid_token", "the id_token has no subject");

        // Profile claims from userinfo (the id_token may carry only sub).
        using var req = new HttpRequestMessage(HttpMethod.Get, ctx.Options.UserInformationEndpoint);
        req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ctx.AccessToken);
        req.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var resp = await ctx.Backchannel.SendAsync(req, ct);
        if (!resp.IsSuccessStatusCode) throw new OidcRefusedException("failed", $"the userinfo endpoint answered {(int)resp.StatusCode}");
        using var info = JsonDocument.Parse(await resp.Content.ReadAsStringAsync(ct));
        var u = info.RootElement;
        string? Str(string name) => u.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()
            : jwt.TryGetPayloadValue<string>(name, out var s) ? s : null;
        if (Str("sub") != subject) throw new OidcRefusedException("invalid_token", "the userinfo subject differs from the id_token's");
        bool? verified = u.TryGetProperty("email_verified", out var ev) && ev.ValueKind is JsonValueKind.True or JsonValueKind.False ? ev.GetBoolean()
            : jwt.TryGetPayloadValue<bool>("email_verified", out var b) ? b : null;

        var accounts = ctx.HttpContext.RequestServices.GetRequiredService<AccountService>();
        var (outcome, user) = await accounts.ResolveOidcUserAsync(jwt.Issuer, subject, Str("email"), verified, Str("name"), rt.Options.IsAllowed);
        if (outcome != OidcOutcome.Ok || user is null)
            throw new OidcRefusedException(outcome switch { OidcOutcome.Disabled => "disabled", OidcOutcome.NoEmail => "no_email", _ => "not_allowed" },
                "the account may not use this Faultline");
        ctx.Principal = AccountService.CreatePrincipal(user, "oidc");
        ctx.Properties.Items.Remove(NonceItem);
        ctx.Properties.Items[".faultline_validated"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>The provider's discovery state at run time (signing keys refresh through the manager).</summary>
public sealed class OidcRuntime(OidcOptions options, ConfigurationManager<OpenIdConnectConfiguration> manager, string issuer)
{
    public OidcOptions Options { get; } = options;
    private readonly JsonWebTokenHandler _handler = new();

    public async Task<JsonWebToken> ValidateIdTokenAsync(string idToken, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var cfg = await manager.GetConfigurationAsync(ct);
            var result = await _handler.ValidateTokenAsync(idToken, new TokenValidationParameters
            {
                ValidIssuer = issuer,
                ValidAudience = Options.ClientId,
                IssuerSigningKeys = cfg.SigningKeys,
                ValidateIssuer = true,
                ValidateAudience = true,
                ValidateLifetime = true,
                RequireExpirationTime = true,
                RequireSignedTokens = true,
                ValidateIssuerSigningKey = true,
                ClockSkew = TimeSpan.FromMinutes(2),
            });
            if (result.IsValid)
            {
                var jwt = (JsonWebToken)result.SecurityToken;
                // With several audiences the token must have been issued to us (azp).
                if (jwt.Audiences.Count() > 1 && (!jwt.TryGetPayloadValue<string>("azp", out var azp) || azp != Options.ClientId))
                    throw new OidcRefusedException("invalid_token", "the id_token was issued to another client");
                return jwt;
            }
            // Keys rotate: refresh the JWKS once when the signing key is unknown.
            if (attempt == 0 && result.Exception is SecurityTokenSignatureKeyNotFoundException)
            {
                manager.RequestRefresh();
                continue;
            }
            throw new OidcRefusedException("invalid_token", "the id_token failed validation: " + result.Exception?.GetType().Name);
        }
    }
}

/// <summary>An OIDC sign-in that must not complete; Reason is a short code shown on the refusal page.</summary>
public sealed class OidcRefusedException(string reason, string message) : Exception(message)
{
    public string Reason { get; } = reason;
}
