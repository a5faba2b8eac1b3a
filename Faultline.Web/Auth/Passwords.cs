using Faultline.Core.Storage;
using Microsoft.AspNetCore.Identity;

namespace Faultline.Web.Auth;

/// <summary>
/// ASP.NET Core Identity's PasswordHasher (PBKDF2-HMAC-SHA512, 100,000 iterations, 128-bit salt,
/// versioned format "V3") from the shared framework. Verification reports when a stored hash
/// should be upgraded to the current parameters.
/// </summary>
public sealed class Passwords
{
    private readonly PasswordHasher<User> _hasher = new();
    // Verified against when the email is unknown, so a miss costs the same time as a wrong password.
    private readonly string _dummyHash;

    public Passwords() => _dummyHash = _hasher.HashPassword(null!, "faultline-timing-equaliser-" + Guid.NewGuid());

    public string Hash(string password) => _hasher.HashPassword(null!, password);

    /// <summary>Ok, and a fresh hash when the stored one uses outdated parameters.</summary>
    public (bool Ok, string? Rehash) Verify(string? storedHash, string password)
    {
        if (storedHash is null)
        {
            _hasher.VerifyHashedPassword(null!, _dummyHash, password);
            return (false, null);
        }
        return _hasher.VerifyHashedPassword(null!, storedHash, password) switch
        {
            PasswordVerificationResult.Success => (true, null),
            PasswordVerificationResult.SuccessRehashNeeded => (true, Hash(password)),
            _ => (false, null),
        };
    }
}
