using System.Globalization;
using Faultline.Core.Config;

namespace Faultline.Core.Loop;

/// <summary>
/// Per-project detection thresholds from FAULTLINE_DETECTION_THRESHOLDS, e.g.
/// <c>1:burst=5/10m,fatal=2,slow_burn=2h;7:burst=10/1m</c> — projects separated by ';', settings by ','.
/// <c>burst=N/DURATION</c> (N error/fatal events within DURATION), <c>fatal=N</c>, <c>slow_burn=DURATION</c>;
/// durations are a number with s, m or h. Unnamed settings keep the defaults (3 in 5 min, 1 fatal, 1 h).
/// </summary>
public static class DetectionThresholdsParser
{
    public const string Variable = "FAULTLINE_DETECTION_THRESHOLDS";

    public static IReadOnlyDictionary<long, DetectionThresholds> Parse(string? value)
    {
        var result = new Dictionary<long, DetectionThresholds>();
        if (string.IsNullOrWhiteSpace(value)) return result;
        foreach (var entry in value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = entry.IndexOf(':');
            if (colon < 1 || !long.TryParse(entry[..colon], out var projectId) || projectId <= 0)
                throw new ConfigException(Variable, $"'{entry}' must start with a project id and ':', e.g. 1:burst=5/10m");
            if (result.ContainsKey(projectId)) throw new ConfigException(Variable, $"project {projectId} is listed twice");
            try { result[projectId] = ParseSettings(entry[(colon + 1)..]); }
            catch (ConfigException ex) { throw new ConfigException(Variable, $"project {projectId}: {ex.Problem}"); }
        }
        return result;
    }

    /// <summary>
    /// One project's settings (<c>burst=5/10m,fatal=2,slow_burn=2h</c>; empty = the defaults), as the variable
    /// and the settings page take them. The problem text names no project; <see cref="Parse"/> adds it.
    /// </summary>
    public static DetectionThresholds ParseSettings(string settings)
    {
        var t = DetectionThresholds.Default;
        foreach (var setting in settings.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = setting.IndexOf('=');
            var key = eq < 0 ? setting : setting[..eq].Trim();
            var v = eq < 0 ? "" : setting[(eq + 1)..].Trim();
            t = key switch
            {
                "burst" => Burst(t, v),
                "fatal" => t with { FatalCount = Count(v, key) },
                "slow_burn" => t with { SlowBurnAfter = Duration(v, key) },
                _ => throw new ConfigException(Variable, $"unknown setting '{key}' (burst, fatal, slow_burn)"),
            };
        }
        return t;
    }

    private static DetectionThresholds Burst(DetectionThresholds t, string v)
    {
        var slash = v.IndexOf('/');
        if (slash < 0) throw new ConfigException(Variable, "burst must look like 5/10m");
        return t with { BurstCount = Count(v[..slash], "burst"), BurstWindow = Duration(v[(slash + 1)..], "burst") };
    }

    private static int Count(string v, string key) =>
        int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1
            ? n : throw new ConfigException(Variable, $"{key} count must be a whole number ≥ 1");

    private static TimeSpan Duration(string v, string key)
    {
        if (v.Length >= 2 && int.TryParse(v[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1)
        {
            switch (v[^1])
            {
                case 's': return TimeSpan.FromSeconds(n);
                case 'm': return TimeSpan.FromMinutes(n);
                case 'h': return TimeSpan.FromHours(n);
            }
        }
        throw new ConfigException(Variable, $"{key} duration must be a number with s, m or h, e.g. 10m");
    }
}
