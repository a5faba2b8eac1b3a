using System.Collections.Concurrent;
using System.Net.Mail;
using System.Security.Claims;
using Faultline.Core.Storage;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Faultline.Web.Auth;

public enum LoginOutcome { Ok, BadCredentials, LockedOut, Disabled }

public enum OidcOutcome { Ok, NotAllowed, Disabled, NoEmail }

/// <summary>
/// Everything about accounts that is not HTTP: first-run setup, password sign-in with lockout,
/// user management, OIDC provisioning and the cookie principal. Never logs a password, hash,
/// token or cookie; logs user ids and outcomes.
/// </summary>
public sealed class AccountService(FaultlineStore store, Passwords passwords, SessionRevocations revocations,
    TimeProvider clock, ILogger<AccountService> log)
{
    public const int MaxFailures = 5;
    public static readonly TimeSpan LockoutDuration = TimeSpan.FromMinutes(15);

    public const string StampClaim = "faultline:stamp";

    private volatile bool _setupDone;

    /// <summary>True once any user exists (cached forever: users are disabled, never deleted).</summary>
    public async ValueTask<bool> IsSetupDoneAsync()
    {
        if (_setupDone) return true;
        if (await store.AnyUsersAsync()) _setupDone = true;
        return _setupDone;
    }

    public static bool IsValidEmail(string? email) =>
        email is { Length: > 2 and <= 320 } && MailAddress.TryCreate(email.Trim(), out var a) && a.Address == email.Trim() && a.Host.Length > 0;

    public async Task<(SetupResult Result, User? User)> CompleteSetupAsync(string email, string password)
    {
        var result = await store.CompleteSetupAsync(email, passwords.Hash(password));
        if (result.Result == SetupResult.Created)
        {
            _setupDone = true;
            log.LogInformation("First-run setup created administrator user {UserId}", result.User!.Id);
        }
        else
        {
            _setupDone = true;
            log.LogWarning("A first-run setup submission was refused: setup is already complete");
        }
        return result;
    }

    public async Task<User?> CreateLocalUserAsync(string email, string password, string role)
    {
        var user = await store.CreateUserAsync(email, passwords.Hash(password), role);
        if (user != null)
        {
            _setupDone = true;
            log.LogInformation("Created {Role} user {UserId}", role, user.Id);
        }
        return user;
    }

    public async Task<(LoginOutcome Outcome, User? User)> PasswordSignInAsync(string email, string password)
    {
        var user = IsValidEmail(email) ? await store.FindUserByEmailAsync(email) : null;
        if (user is null || user.PasswordHash is null)
        {
            passwords.Verify(null, password); // same cost as a real check
            log.LogInformation("Sign-in failed: unknown account or no local password");
            return (LoginOutcome.BadCredentials, null);
        }
        var now = clock.GetUtcNow().UtcDateTime;
        if (user.LockedUntil is { } until && until > now)
        {
            passwords.Verify(null, password);
            log.LogWarning("Sign-in refused for user {UserId}: locked until {Until:o}", user.Id, until);
            return (LoginOutcome.LockedOut, null);
        }
        var (ok, rehash) = passwords.Verify(user.PasswordHash, password);
        if (!ok)
        {
            await store.RecordLoginFailureAsync(user.Id, MaxFailures, LockoutDuration);
            log.LogWarning("Sign-in failed for user {UserId}: wrong password ({Count} recent failures)", user.Id, user.FailedCount + 1);
            return (user.FailedCount + 1 >= MaxFailures ? LoginOutcome.LockedOut : LoginOutcome.BadCredentials, null);
        }
        if (user.Disabled)
        {
            log.LogWarning("Sign-in refused for user {UserId}: disabled", user.Id);
            return (LoginOutcome.Disabled, null);
        }
        await store.RecordLoginSuccessAsync(user.Id, rehash);
        log.LogInformation("User {UserId} signed in with a password", user.Id);
        return (LoginOutcome.Ok, user);
    }

    /// <summary>
    /// Maps a validated OIDC identity to a user: by issuer+subject; else an existing account with
    /// the same email is linked when the provider marks it verified (email_verified = true); else an
    /// allow-listed email (not marked unverified) is provisioned as a member.
    /// </summary>
    public async Task<(OidcOutcome Outcome, User? User)> ResolveOidcUserAsync(string issuer, string subject, string? email, bool? emailVerified,
        string? name, Func<string, bool> isAllowed)
    {
        var external = issuer.TrimEnd('/') + "|" + subject;
        var user = await store.FindUserByExternalSubjectAsync(external);
        if (user is null)
        {
            if (email is null || !IsValidEmail(email)) { log.LogWarning("OIDC sign-in refused: the provider sent no usable email"); return (OidcOutcome.NoEmail, null); }
            // An unverified address proves nothing: never link or provision on it.
            if (emailVerified == false) { log.LogWarning("OIDC sign-in refused: the provider says the email is not verified"); return (OidcOutcome.NotAllowed, null); }
            var existing = await store.FindUserByEmailAsync(email);
            // Linking takes over an existing account: only on an address the provider says it verified.
            if (existing is { ExternalSubject: null } && emailVerified == true)
            {
                await store.LinkExternalSubjectAsync(existing.Id, external);
                user = await store.GetUserAsync(existing.Id);
                log.LogInformation("Linked an OIDC identity to existing user {UserId}", existing.Id);
            }
            else if (existing is null && isAllowed(email))
            {
                user = await store.CreateUserAsync(email, null, UserRoles.Member, external, name);
                if (user != null) log.LogInformation("Provisioned OIDC user {UserId} as member", user.Id);
            }
            if (user is null)
            {
                log.LogWarning("OIDC sign-in refused: the account is not on the allow-list");
                return (OidcOutcome.NotAllowed, null);
            }
        }
        if (user.Disabled) { log.LogWarning("OIDC sign-in refused for user {UserId}: disabled", user.Id); return (OidcOutcome.Disabled, null); }
        await store.RecordLoginSuccessAsync(user.Id);
        _setupDone = true;
        log.LogInformation("User {UserId} signed in with OIDC", user.Id);
        return (OidcOutcome.Ok, user);
    }

    public async Task<bool> SetDisabledAsync(long userId, bool disabled)
    {
        var ok = await store.SetUserDisabledAsync(userId, disabled);
        if (ok)
        {
            revocations.Touch(userId);
            log.LogInformation("User {UserId} {What}", userId, disabled ? "disabled" : "enabled");
        }
        return ok;
    }

    public async Task<bool> SetRoleAsync(long userId, string role)
    {
        var ok = await store.SetUserRoleAsync(userId, role);
        if (ok) revocations.Touch(userId);
        return ok;
    }

    public static ClaimsPrincipal CreatePrincipal(User user, string method)
    {
        var identity = new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, user.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new Claim(ClaimTypes.Name, user.DisplayName ?? user.Email),
            new Claim(ClaimTypes.Email, user.Email),
            new Claim(ClaimTypes.Role, user.Role),
            new Claim(StampClaim, user.SecurityStamp),
            new Claim(ClaimTypes.AuthenticationMethod, method),
        ], CookieAuthenticationDefaults.AuthenticationScheme, ClaimTypes.Name, ClaimTypes.Role);
        return new ClaimsPrincipal(identity);
    }

    public static long? UserId(ClaimsPrincipal? p) =>
        long.TryParse(p?.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? id : null;

    /// <summary>The current user for a principal, or null when it no longer may use the dashboard.</summary>
    public async Task<User?> ValidatePrincipalAsync(ClaimsPrincipal principal)
    {
        if (UserId(principal) is not { } id) return null;
        var user = await store.GetUserAsync(id);
        if (user is null || user.Disabled || user.SecurityStamp != principal.FindFirstValue(StampClaim)) return null;
        return user;
    }
}

/// <summary>
/// In-process record of when a user's sessions were invalidated (disable, role change), so a
/// cookie is re-checked at once on this instance instead of at the next periodic validation.
/// </summary>
public sealed class SessionRevocations
{
    private readonly ConcurrentDictionary<long, long> _changed = new();

    public void Touch(long userId) => _changed[userId] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    public bool ChangedSince(long userId, long sinceMs) => _changed.TryGetValue(userId, out var at) && at >= sinceMs;
}
