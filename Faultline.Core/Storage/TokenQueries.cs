using System.Security.Cryptography;
using System.Text;
using Dapper;

namespace Faultline.Core.Storage;

/// <summary>An API token as listed: never the secret itself.</summary>
public sealed record ApiToken(long Id, string Name, string Prefix, long? ProjectId, string Scope, DateTime CreatedAt, DateTime? LastUsedAt, DateTime? RevokedAt);

public sealed record CreatedToken(ApiToken Token, string Secret);

/// <summary>Token scopes: one project, every project (read/manage), or admin (every project plus registration).</summary>
public static class TokenScope
{
    public const string Project = "project";
    public const string All = "all";
    public const string Admin = "admin";

    public static bool Covers(ApiToken t, long projectId) =>
        t.Scope is All or Admin || (t.Scope == Project && t.ProjectId == projectId);
}

public sealed partial class FaultlineStore
{
    /// <summary>
    /// Bearer tokens are "fl_" + 43 base64url characters (256 random bits). Only the SHA-256 is
    /// stored; a lookup by hash is a constant-time-enough primary-key probe and leaks nothing.
    /// </summary>
    public Task<CreatedToken> CreateTokenAsync(string name, long? projectId, string scope) => With(async c =>
    {
        var secret = "fl_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var now = NowMs;
        await c.ExecuteAsync("INSERT INTO tokens (name, prefix, token_hash, project_id, scope, created_at) VALUES (@name, @prefix, @hash, @projectId, @scope, @now)",
            new { name, prefix = secret[..8], hash = HashToken(secret), projectId, scope, now });
        var id = await c.ExecuteScalarAsync<long>("SELECT id FROM tokens WHERE token_hash = @hash", new { hash = HashToken(secret) });
        return new CreatedToken(new ApiToken(id, name, secret[..8], projectId, scope, Database.FromMs(now), null, null), secret);
    });

    /// <summary>The live (not revoked) token with this secret, or null. Touches last_used_at at most once a minute.</summary>
    public Task<ApiToken?> FindTokenAsync(string secret) => With(async c =>
    {
        if (!secret.StartsWith("fl_", StringComparison.Ordinal) || secret.Length > 200) return null;
        var row = await c.QueryFirstOrDefaultAsync<TokenRow>(
            "SELECT id, name, prefix, project_id, scope, created_at, last_used_at, revoked_at FROM tokens WHERE token_hash = @hash",
            new { hash = HashToken(secret) });
        if (row is null || row.RevokedAt is not null) return null;
        var now = NowMs;
        if (row.LastUsedAt is null || row.LastUsedAt < now - 60_000)
            await c.ExecuteAsync("UPDATE tokens SET last_used_at = @now WHERE id = @id", new { now, id = row.Id });
        return row.ToModel();
    });

    public Task<IReadOnlyList<ApiToken>> ListTokensAsync(long? projectId) => With<IReadOnlyList<ApiToken>>(async c =>
        (await c.QueryAsync<TokenRow>(
            "SELECT id, name, prefix, project_id, scope, created_at, last_used_at, revoked_at FROM tokens " +
            "WHERE revoked_at IS NULL AND (@projectId IS NULL OR project_id = @projectId) ORDER BY id", new { projectId }))
        .Select(r => r.ToModel()).ToList());

    public Task<ApiToken?> GetTokenAsync(long id) => With(async c =>
        (await c.QueryFirstOrDefaultAsync<TokenRow>(
            "SELECT id, name, prefix, project_id, scope, created_at, last_used_at, revoked_at FROM tokens WHERE id = @id", new { id }))?.ToModel());

    public Task<bool> RevokeTokenAsync(long id) => With(async c =>
        await c.ExecuteAsync("UPDATE tokens SET revoked_at = @now WHERE id = @id AND revoked_at IS NULL", new { id, now = NowMs }) > 0);

    internal static string HashToken(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    private sealed class TokenRow
    {
        public long Id { get; set; }
        public string Name { get; set; } = "";
        public string Prefix { get; set; } = "";
        public long? ProjectId { get; set; }
        public string Scope { get; set; } = "";
        public long CreatedAt { get; set; }
        public long? LastUsedAt { get; set; }
        public long? RevokedAt { get; set; }

        public ApiToken ToModel() => new(Id, Name, Prefix, ProjectId, Scope, Database.FromMs(CreatedAt),
            LastUsedAt is { } l ? Database.FromMs(l) : null, RevokedAt is { } r ? Database.FromMs(r) : null);
    }
}
