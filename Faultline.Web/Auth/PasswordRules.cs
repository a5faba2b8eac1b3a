namespace Faultline.Web.Auth;

/// <summary>
/// Password strength rules for local accounts: at least 12 characters (or a passphrase of
/// four or more words of 16+ characters in all), not the email address (or its local part),
/// not made of a single character class, not one repeated character.
/// </summary>
public static class PasswordRules
{
    public const int MinLength = 12;
    public const int MaxLength = 256;

    /// <summary>Null when acceptable, otherwise a message for the form.</summary>
    public static string? Check(string? password, string? email)
    {
        if (string.IsNullOrEmpty(password)) return "Enter a password.";
        if (password.Length > MaxLength) return $"Use at most {MaxLength} characters.";
        if (password.Length < MinLength) return $"Use at least {MinLength} characters (a few words make a good passphrase).";
        var p = password.Trim().ToLowerInvariant();
        if (email is { Length: > 0 })
        {
            var e = email.Trim().ToLowerInvariant();
            var local = e.Contains('@') ? e[..e.IndexOf('@')] : e;
            if (p == e || p == local || p.Contains(e)) return "The password must not be your email address.";
        }
        if (password.Distinct().Count() <= 2) return "The password is too repetitive.";
        var words = password.Split([' ', '-', '_', '.'], StringSplitOptions.RemoveEmptyEntries);
        var passphrase = words.Length >= 4 && password.Length >= 16;
        var classes = (password.Any(char.IsLower) ? 1 : 0) + (password.Any(char.IsUpper) ? 1 : 0) +
                      (password.Any(char.IsDigit) ? 1 : 0) + (password.Any(c => !char.IsLetterOrDigit(c)) ? 1 : 0);
        if (classes < 2 && !passphrase) return "Mix at least two kinds of characters (letters, digits, symbols), or use a passphrase of four or more words.";
        return null;
    }
}
