using System.Data.Common;
using System.Security.Cryptography;
using Dapper;

namespace Faultline.Core.Storage;

/// <summary>A dashboard user. The password hash never leaves the auth layer (it is not logged or shown).</summary>
public sealed record User(long Id, string Email, string? DisplayName, string? PasswordHash, string Role, bool Disabled,
    DateTime CreatedAt, DateTime? LastLoginAt, int FailedCount, DateTime? LockedUntil, string? ExternalSubject, string SecurityStamp)
{
    public bool IsAdmin => Role == UserRoles.Admin;
}

public static class UserRoles
{
    public const string Admin = "admin";
    public const string Member = "member";
    public static bool IsValid(string? r) => r is Admin or Member;
}

public enum SetupResult { Created, AlreadyDone, EmailTaken }

public sealed partial class FaultlineStore
{
    private const string UserColumns =
        "id, email, display_name, password_hash, role, disabled, created_at, last_login_at, failed_count, locked_until, external_subject, security_stamp";

    public static string NormalizeEmail(string email) => email.Trim().ToLowerInvariant();
    private static string NewStamp() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public Task<bool> AnyUsersAsync() => With(async c =>
        await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM users") > 0 ||
        await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM setup_lock") > 0);

    /// <summary>
    /// First-run: inserts the setup_lock row (primary key 1) and the first administrator in one
    /// transaction. The loser of two concurrent setups hits the primary key and creates nothing.
    /// </summary>
    public Task<(SetupResult Result, User? User)> CompleteSetupAsync(string email, string passwordHash) => With<(SetupResult, User?)>(async c =>
    {
        await using var tx = await c.BeginTransactionAsync();
        try
        {
            if (await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM users", transaction: tx) > 0)
                return (SetupResult.AlreadyDone, null);
            await c.ExecuteAsync("INSERT INTO setup_lock (id, completed_at) VALUES (1, @now)", new { now = NowMs }, tx);
            var id = await InsertUserAsync(c, tx, email, null, passwordHash, UserRoles.Admin, null);
            await tx.CommitAsync();
            return (SetupResult.Created, await GetUserAsync(c, id));
        }
        catch (DbException)
        {
            await tx.RollbackAsync();
            return (SetupResult.AlreadyDone, null);
        }
    });

    /// <summary>Creates a user; null when the email (or external subject) is already taken. Closes first-run setup.</summary>
    public Task<User?> CreateUserAsync(string email, string? passwordHash, string role, string? externalSubject = null, string? displayName = null) => With(async c =>
    {
        if (!UserRoles.IsValid(role)) throw new ArgumentException($"unknown role '{role}'", nameof(role));
        await using var tx = await c.BeginTransactionAsync();
        try
        {
            var id = await InsertUserAsync(c, tx, email, displayName, passwordHash, role, externalSubject);
            await c.ExecuteAsync($"{D.InsertIgnore} INTO setup_lock (id, completed_at) VALUES (1, @now)", new { now = NowMs }, tx);
            await tx.CommitAsync();
            return await GetUserAsync(c, id);
        }
        catch (DbException)
        {
            await tx.RollbackAsync();
            return null;
        }
    });

    private async Task<long> InsertUserAsync(DbConnection c, DbTransaction tx, string email, string? displayName, string? hash, string role, string? external)
    {
        await c.ExecuteAsync(
            "INSERT INTO users (email, email_norm, display_name, password_hash, role, disabled, created_at, failed_count, external_subject, security_stamp) " +
            "VALUES (@email, @norm, @displayName, @hash, @role, 0, @now, 0, @external, @stamp)",
            new { email = email.Trim(), norm = NormalizeEmail(email), displayName, hash, role, now = NowMs, external, stamp = NewStamp() }, tx);
        return await c.ExecuteScalarAsync<long>("SELECT id FROM users WHERE email_norm = @norm", new { norm = NormalizeEmail(email) }, tx);
    }

    private static async Task<User?> GetUserAsync(DbConnection c, long id) =>
        (await c.QueryFirstOrDefaultAsync<UserRow>($"SELECT {UserColumns} FROM users WHERE id = @id", new { id }))?.ToModel();

    public Task<User?> GetUserAsync(long id) => With(c => GetUserAsync(c, id));

    public Task<User?> FindUserByEmailAsync(string email) => With(async c =>
        (await c.QueryFirstOrDefaultAsync<UserRow>($"SELECT {UserColumns} FROM users WHERE email_norm = @norm", new { norm = NormalizeEmail(email) }))?.ToModel());

    public Task<User?> FindUserByExternalSubjectAsync(string subject) => With(async c =>
        (await c.QueryFirstOrDefaultAsync<UserRow>($"SELECT {UserColumns} FROM users WHERE external_subject = @subject", new { subject }))?.ToModel());

    public Task<IReadOnlyList<User>> ListUsersAsync() => With<IReadOnlyList<User>>(async c =>
        (await c.QueryAsync<UserRow>($"SELECT {UserColumns} FROM users ORDER BY id")).Select(r => r.ToModel()).ToList());

    /// <summary>Disables or enables a user; a new security stamp ends every session of theirs.</summary>
    public Task<bool> SetUserDisabledAsync(long id, bool disabled) => With(async c =>
        await c.ExecuteAsync("UPDATE users SET disabled = @d, security_stamp = @stamp WHERE id = @id",
            new { id, d = disabled ? 1 : 0, stamp = NewStamp() }) > 0);

    public Task<bool> SetUserRoleAsync(long id, string role) => With(async c =>
        UserRoles.IsValid(role) && await c.ExecuteAsync("UPDATE users SET role = @role, security_stamp = @stamp WHERE id = @id",
            new { id, role, stamp = NewStamp() }) > 0);

    public Task<bool> LinkExternalSubjectAsync(long id, string subject) => With(async c =>
    {
        try { return await c.ExecuteAsync("UPDATE users SET external_subject = @subject WHERE id = @id AND external_subject IS NULL", new { id, subject }) > 0; }
        catch (DbException) { return false; }
    });

    /// <summary>A failed password: counts it and locks the account for <paramref name="lockFor"/> at <paramref name="maxFailures"/>.</summary>
    public Task RecordLoginFailureAsync(long id, int maxFailures, TimeSpan lockFor) => With(async c =>
    {
        var now = NowMs;
        await c.ExecuteAsync("UPDATE users SET failed_count = failed_count + 1 WHERE id = @id", new { id });
        await c.ExecuteAsync("UPDATE users SET locked_until = @until, failed_count = 0 WHERE id = @id AND failed_count >= @maxFailures",
            new { id, maxFailures, until = now + (long)lockFor.TotalMilliseconds });
        return 0;
    });

    public Task RecordLoginSuccessAsync(long id, string? rehashedPassword = null) => With(async c =>
    {
        await c.ExecuteAsync("UPDATE users SET failed_count = 0, locked_until = NULL, last_login_at = @now, password_hash = COALESCE(@rehashedPassword, password_hash) WHERE id = @id",
            new { id, now = NowMs, rehashedPassword });
        return 0;
    });

    private sealed class UserRow
    {
        public long Id { get; set; }
        public string Email { get; set; } = "";
        public string? DisplayName { get; set; }
        public string? PasswordHash { get; set; }
        public string Role { get; set; } = "";
        public long Disabled { get; set; }
        public long CreatedAt { get; set; }
        public long? LastLoginAt { get; set; }
        public long FailedCount { get; set; }
        public long? LockedUntil { get; set; }
        public string? ExternalSubject { get; set; }
        public string SecurityStamp { get; set; } = "";

        public User ToModel() => new(Id, Email, DisplayName, PasswordHash, Role, Disabled != 0, Database.FromMs(CreatedAt),
            LastLoginAt is { } l ? Database.FromMs(l) : null, (int)FailedCount, LockedUntil is { } u ? Database.FromMs(u) : null,
            ExternalSubject, SecurityStamp);
    }
}
