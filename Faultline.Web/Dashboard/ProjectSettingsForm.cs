using System.Globalization;
using System.Text.RegularExpressions;
using Faultline.Core.Config;
using Faultline.Core.Issues;
using Faultline.Core.Loop;
using Faultline.Core.Storage;

namespace Faultline.Web.Dashboard;

/// <summary>
/// The settings form's model and its validation. Validation is a plain function of the model
/// (<see cref="Validate"/>) so it is tested without a browser; the page feeds its messages
/// into the EditContext for inline errors.
/// </summary>
public sealed partial class ProjectSettingsForm
{
    public static readonly IReadOnlyList<string> DeploymentTypes = ["local", "remote", "hosted"];

    public string Name { get; set; } = "";
    public string? Description { get; set; }
    public string? ServiceUrl { get; set; }
    public string? DeploymentType { get; set; }
    public string? Components { get; set; }
    public string? Environments { get; set; }
    public string? Rig { get; set; }
    public string? HeartbeatIntervalSecs { get; set; }
    public string? DetectionThresholds { get; set; }

    public static ProjectSettingsForm From(Project p) => new()
    {
        Name = p.Name, Description = p.Description, ServiceUrl = p.ServiceUrl, DeploymentType = p.DeploymentType,
        Components = p.Components, Environments = p.Environments, Rig = p.Rig,
        HeartbeatIntervalSecs = p.HeartbeatIntervalSecs?.ToString(CultureInfo.InvariantCulture),
        DetectionThresholds = p.DetectionThresholds,
    };

    /// <summary>Field name → message; empty when valid.</summary>
    public IReadOnlyDictionary<string, string> Validate()
    {
        var errors = new Dictionary<string, string>();
        var name = Name?.Trim() ?? "";
        if (name.Length == 0) errors[nameof(Name)] = "Give the project a name.";
        else if (name.Length > 200) errors[nameof(Name)] = "Keep the name under 200 characters.";
        else if (HasControl(name)) errors[nameof(Name)] = "The name cannot contain control characters.";

        if ((Description?.Length ?? 0) > 2000) errors[nameof(Description)] = "Keep the description under 2,000 characters.";

        if (Blank(ServiceUrl) is { } url)
        {
            if (url.Length > 2000) errors[nameof(ServiceUrl)] = "Keep the URL under 2,000 characters.";
            else if (SafeLink.Href(url) is null) errors[nameof(ServiceUrl)] = "Enter an absolute http:// or https:// URL, e.g. https://api.example.com.";
        }

        if (Blank(DeploymentType) is { } type && !DeploymentTypes.Contains(type))
            errors[nameof(DeploymentType)] = "Choose local, remote or hosted.";

        if (Blank(Components) is { } components)
        {
            var items = Split(components);
            if (items.Count == 0) errors[nameof(Components)] = "List component names separated by commas.";
            else if (items.FirstOrDefault(i => i.Length > 100 || HasControl(i)) is { } bad)
                errors[nameof(Components)] = $"“{Short(bad)}” is not a valid component name (at most 100 characters).";
        }

        if (Blank(Environments) is { } envs)
        {
            var items = Split(envs);
            if (items.Count == 0) errors[nameof(Environments)] = "List environments separated by commas, e.g. production, staging.";
            else if (items.FirstOrDefault(i => !EnvName().IsMatch(i)) is { } bad)
                errors[nameof(Environments)] = $"“{Short(bad)}” is not an environment name: use letters, digits, '.', '_' or '-' (at most 64).";
        }

        if (Blank(Rig) is { } rig && !RigName().IsMatch(rig))
            errors[nameof(Rig)] = "A rig name uses letters, digits, '.', '_' or '-' (at most 200).";

        if (Blank(HeartbeatIntervalSecs) is { } hb
            && (!int.TryParse(hb, NumberStyles.None, CultureInfo.InvariantCulture, out var secs) || secs is < 10 or > 86_400))
            errors[nameof(HeartbeatIntervalSecs)] = "Enter whole seconds from 10 to 86400, or leave empty to not monitor heartbeats.";

        if (Blank(DetectionThresholds) is { } thresholds)
        {
            if (thresholds.Length > 500) errors[nameof(DetectionThresholds)] = "Keep the thresholds under 500 characters.";
            else
            {
                // The same syntax and checks as FAULTLINE_DETECTION_THRESHOLDS, for one project.
                try { DetectionThresholdsParser.ParseSettings(thresholds); }
                catch (ConfigException ex) { errors[nameof(DetectionThresholds)] = ex.Problem + ". Example: burst=5/10m, fatal=2, slow_burn=2h."; }
            }
        }
        return errors;
    }

    /// <summary>The normalized settings to store (call only when <see cref="Validate"/> is empty).</summary>
    public ProjectSettings ToSettings() => new()
    {
        Name = Name.Trim(),
        Description = Blank(Description),
        ServiceUrl = Blank(ServiceUrl),
        DeploymentType = Blank(DeploymentType),
        Components = Blank(Components) is { } c ? string.Join(", ", Split(c)) : null,
        Environments = Blank(Environments) is { } e ? string.Join(", ", Split(e)) : null,
        Rig = Blank(Rig),
        HeartbeatIntervalSecs = Blank(HeartbeatIntervalSecs) is { } hb ? int.Parse(hb, CultureInfo.InvariantCulture) : null,
        DetectionThresholds = Blank(DetectionThresholds) is { } t ? string.Join(",", Split(t)) : null,
    };

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
    private static List<string> Split(string s) => s.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();
    private static bool HasControl(string s) => s.Any(char.IsControl);
    private static string Short(string s) => s.Length <= 40 ? s : s[..40] + "…";

    [GeneratedRegex(@"^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex EnvName();

    [GeneratedRegex(@"^[A-Za-z0-9._-]{1,200}$")]
    private static partial Regex RigName();
}
