using System.Security.Cryptography;
using System.Text;

namespace Faultline.Core.Loop;

public enum SignatureCheck { Valid, NoSecretConfigured, Missing, Malformed, Mismatch }

/// <summary>
/// HMAC-SHA256 over the raw request body. Accepts GitHub's <c>X-Hub-Signature-256: sha256=&lt;hex&gt;</c>
/// and a bare hex digest (what simple senders such as a bead-resolution hook produce). Comparison is
/// constant-time over the decoded bytes so timing reveals nothing about how much of a guess matched.
/// </summary>
public static class WebhookSignature
{
    public const string GitHubHeader = "X-Hub-Signature-256";
    const string Prefix = "sha256=";
    const int DigestBytes = 32;

    /// <summary>Lowercase hex, as GitHub sends it (without the prefix).</summary>
    public static string Compute(string secret, ReadOnlySpan<byte> body) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    /// <summary>The header value GitHub would send for this body.</summary>
    public static string ComputeHeader(string secret, ReadOnlySpan<byte> body) => Prefix + Compute(secret, body);

    public static bool Verify(string? secret, ReadOnlySpan<byte> body, string? header) =>
        Check(secret, body, header) == SignatureCheck.Valid;

    /// <summary>Why a signature was refused, for one log line; never echoes the secret or the digest.</summary>
    public static SignatureCheck Check(string? secret, ReadOnlySpan<byte> body, string? header)
    {
        // With no secret there is nothing to verify against: refuse rather than accept anything.
        if (string.IsNullOrEmpty(secret)) return SignatureCheck.NoSecretConfigured;
        if (string.IsNullOrWhiteSpace(header)) return SignatureCheck.Missing;

        var hex = header.Trim();
        if (hex.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase)) hex = hex[Prefix.Length..];
        if (hex.Length != DigestBytes * 2) return SignatureCheck.Malformed;

        Span<byte> given = stackalloc byte[DigestBytes];
        if (Convert.FromHexString(hex, given, out _, out var written) != System.Buffers.OperationStatus.Done || written != DigestBytes)
            return SignatureCheck.Malformed;

        Span<byte> expected = stackalloc byte[DigestBytes];
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body, expected);
        return CryptographicOperations.FixedTimeEquals(given, expected) ? SignatureCheck.Valid : SignatureCheck.Mismatch;
    }
}
