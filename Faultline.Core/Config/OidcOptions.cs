namespace Faultline.Core.Config;

/// <summary>
/// OpenID Connect settings. FAULTLINE_OIDC_AUTHORITY, _CLIENT_ID and _CLIENT_SECRET are all
/// required once any FAULTLINE_OIDC_* / FAULTLINE_ALLOWED_* variable is set: a half-configured
/// provider fails start-up naming the missing variable. The secret is never part of ToString().
/// </summary>
public sealed record OidcOptions
{
    public required Uri Authority { get; init; }
    public required string ClientId { get; init; }
    public required string ClientSecret { get; init; }
    public string ProviderName { get; init; } = "OpenID Connect";
    /// <summary>Exact email addresses (lower-cased) provisioned on first login.</summary>
    public IReadOnlySet<string> AllowedUsers { get; init; } = new HashSet<string>();
    /// <summary>Email domains (lower-cased, no @) whose verified addresses are provisioned on first login.</summary>
    public IReadOnlySet<string> AllowedDomains { get; init; } = new HashSet<string>();

    /// <summary>http is accepted only for a loopback issuer (tests, local development).</summary>
    public bool RequireHttps => !(Authority.Scheme == Uri.UriSchemeHttp && Authority.IsLoopback);

    public bool IsAllowed(string email)
    {
        var e = email.Trim().ToLowerInvariant();
        var at = e.LastIndexOf('@');
        return AllowedUsers.Contains(e) || (at > 0 && AllowedDomains.Contains(e[(at + 1)..]));
    }

    public override string ToString() => $"OidcOptions {{ Authority = {Authority}, ClientId = {ClientId}, ProviderName = {ProviderName} }}";

    internal static OidcOptions? Parse(Func<string, string?> get)
    {
        var authority = get("FAULTLINE_OIDC_AUTHORITY");
        var clientId = get("FAULTLINE_OIDC_CLIENT_ID");
        var secret = get("FAULTLINE_OIDC_CLIENT_SECRET");
        var name = get("FAULTLINE_OIDC_PROVIDER_NAME");
        var users = get("FAULTLINE_ALLOWED_USERS");
        var domains = get("FAULTLINE_ALLOWED_DOMAINS");
        if (authority is null && clientId is null && secret is null && name is null && users is null && domains is null) return null;
        if (authority is null) throw new ConfigException("FAULTLINE_OIDC_AUTHORITY", "is required when OpenID Connect is configured (the issuer URL, e.g. https://login.example.com)");
        if (clientId is null) throw new ConfigException("FAULTLINE_OIDC_CLIENT_ID", "is required when OpenID Connect is configured");
        if (secret is null) throw new ConfigException("FAULTLINE_OIDC_CLIENT_SECRET", "is required when OpenID Connect is configured");
        if (!Uri.TryCreate(authority, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            throw new ConfigException("FAULTLINE_OIDC_AUTHORITY", $"'{authority}' must be an absolute https URL");
        var o = new OidcOptions
        {
            Authority = uri, ClientId = clientId, ClientSecret = secret, ProviderName = name ?? "OpenID Connect",
            AllowedUsers = SplitList(users).ToHashSet(),
            AllowedDomains = SplitList(domains).Select(d => d.TrimStart('@')).ToHashSet(),
        };
        if (o.RequireHttps && uri.Scheme != Uri.UriSchemeHttps)
            throw new ConfigException("FAULTLINE_OIDC_AUTHORITY", $"'{authority}' must use https (plain http is accepted only for a loopback issuer)");
        foreach (var u in o.AllowedUsers)
            if (!u.Contains('@')) throw new ConfigException("FAULTLINE_ALLOWED_USERS", $"'{u}' is not an email address");
        return o;
    }

    private static IEnumerable<string> SplitList(string? v) =>
        (v ?? "").Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(x => x.ToLowerInvariant());
}
