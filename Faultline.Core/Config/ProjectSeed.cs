namespace Faultline.Core.Config;

/// <summary>One entry of FAULTLINE_PROJECTS: <c>id:public_key[:rig]</c>.</summary>
public sealed record ProjectSeed(long Id, string PublicKey, string? Rig)
{
    public static IReadOnlyList<ProjectSeed> ParseList(string? value)
    {
        var list = new List<ProjectSeed>();
        if (string.IsNullOrWhiteSpace(value)) return list;
        foreach (var raw in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = raw.Split(':');
            if (parts.Length is < 2 or > 3)
                throw new ConfigException("FAULTLINE_PROJECTS", $"entry '{raw}' must be id:public_key[:rig]");
            if (!long.TryParse(parts[0], out var id) || id <= 0)
                throw new ConfigException("FAULTLINE_PROJECTS", $"entry '{raw}': project id must be a positive integer");
            var key = parts[1].Trim();
            if (key.Length < 8 || !key.All(char.IsAsciiLetterOrDigit))
                throw new ConfigException("FAULTLINE_PROJECTS", $"entry for project {id}: public key must be at least 8 ASCII letters/digits");
            var rig = parts.Length == 3 && parts[2].Trim().Length > 0 ? parts[2].Trim() : null;
            if (list.Any(p => p.Id == id))
                throw new ConfigException("FAULTLINE_PROJECTS", $"project id {id} is listed twice");
            if (list.Any(p => string.Equals(p.PublicKey, key, StringComparison.OrdinalIgnoreCase)))
                throw new ConfigException("FAULTLINE_PROJECTS", $"public key of project {id} is used twice");
            list.Add(new ProjectSeed(id, key.ToLowerInvariant(), rig));
        }
        return list;
    }
}
