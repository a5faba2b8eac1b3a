using Faultline.Core.Config;

namespace Faultline.Core.Loop;

/// <summary>
/// Settings of the agentic loop, bound from FAULTLINE_* variables. A class, not a record, so the
/// compiler-generated ToString can never print the webhook secret or the Slack URL (which embeds a token).
/// </summary>
public sealed class LoopOptions
{
    public string BdBin { get; init; } = "bd";
    public string GtBin { get; init; } = "gt";
    /// <summary>The Gas Town root; a rig's directory is <c>&lt;TownRoot&gt;/&lt;rig&gt;</c>.</summary>
    public string TownRoot { get; init; } = DefaultTownRoot();
    /// <summary>FAULTLINE_TOWN_ROOT (or FAULTLINE_GT_TOWN_ROOT) was set, as opposed to the ~/gt default.</summary>
    public bool TownRootExplicit { get; init; }
    public bool AutoDispatch { get; init; } = true;
    /// <summary>Pass <c>--force</c> to <c>gt sling</c>. Off by default: it can steal a bead from a live agent.</summary>
    public bool SlingForce { get; init; }
    public TimeSpan BeadPollInterval { get; init; } = TimeSpan.FromSeconds(60);
    public TimeSpan QuietPeriod { get; init; } = TimeSpan.FromMinutes(10);
    /// <summary>Contract §10: 30 s for bd, 120 s for gt sling (it may spawn agent sessions).</summary>
    public TimeSpan BdTimeout { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan SlingTimeout { get; init; } = TimeSpan.FromSeconds(120);
    /// <summary>The contract names no figure for escalate; it delivers mail/notifications, so between the two.</summary>
    public TimeSpan EscalateTimeout { get; init; } = TimeSpan.FromSeconds(60);
    public string? CiWebhookSecret { get; init; }
    public Uri? SlackWebhook { get; init; }
    /// <summary>Per-project detection thresholds (FAULTLINE_DETECTION_THRESHOLDS); other projects use the defaults.</summary>
    public IReadOnlyDictionary<long, DetectionThresholds> Thresholds { get; init; } = new Dictionary<long, DetectionThresholds>();

    public static string DefaultTownRoot() =>
        Path.Combine(System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile), "gt");

    /// <summary>The town is recognised by its marker file (contract §4.1).</summary>
    public bool TownRootLooksValid() => File.Exists(Path.Combine(TownRoot, "mayor", "town.json"));

    /// <summary>
    /// Whether the loop runs at all: the operator named a town, or the default ~/gt is a real town.
    /// Without one there is nowhere to file beads, so nothing is filed and no Dispatch is offered.
    /// </summary>
    public bool TownConfigured => TownRootExplicit || TownRootLooksValid();

    public static LoopOptions FromEnvironment() => FromVariables(System.Environment.GetEnvironmentVariable);

    /// <summary>Throws <see cref="ConfigException"/> naming the variable, never echoing a secret value.</summary>
    public static LoopOptions FromVariables(Func<string, string?> get)
    {
        string? Get(string name) => get(name) is { } v && v.Trim().Length > 0 ? v.Trim() : null;

        Uri? slack = null;
        if (Get("FAULTLINE_SLACK_WEBHOOK") is { } slackRaw)
        {
            if (!Uri.TryCreate(slackRaw, UriKind.Absolute, out slack) || (slack.Scheme != Uri.UriSchemeHttps && slack.Scheme != Uri.UriSchemeHttp))
                throw new ConfigException("FAULTLINE_SLACK_WEBHOOK", "must be an absolute http(s) URL (value not shown: it is a secret)");
        }

        return new LoopOptions
        {
            BdBin = Get("FAULTLINE_BD_BIN") ?? "bd",
            GtBin = Get("FAULTLINE_GT_BIN") ?? "gt",
            // The contract draft spells it FAULTLINE_GT_TOWN_ROOT; accept both, the issue's name first.
            TownRoot = Get("FAULTLINE_TOWN_ROOT") ?? Get("FAULTLINE_GT_TOWN_ROOT") ?? DefaultTownRoot(),
            TownRootExplicit = (Get("FAULTLINE_TOWN_ROOT") ?? Get("FAULTLINE_GT_TOWN_ROOT")) is not null,
            AutoDispatch = Bool(get, "FAULTLINE_AUTO_DISPATCH", true),
            SlingForce = Bool(get, "FAULTLINE_SLING_FORCE", false),
            BeadPollInterval = Seconds(get, "FAULTLINE_BEAD_POLL_SECS", 60),
            QuietPeriod = Seconds(get, "FAULTLINE_QUIET_PERIOD_SECS", 600),
            CiWebhookSecret = Get("FAULTLINE_CI_WEBHOOK_SECRET"),
            SlackWebhook = slack,
            Thresholds = DetectionThresholdsParser.Parse(Get(DetectionThresholdsParser.Variable)),
        };
    }

    static bool Bool(Func<string, string?> get, string name, bool fallback) =>
        get(name)?.Trim().ToLowerInvariant() switch
        {
            null or "" => fallback,
            "1" or "true" or "yes" or "on" => true,
            "0" or "false" or "no" or "off" => false,
            _ => throw new ConfigException(name, "must be true or false"),
        };

    static TimeSpan Seconds(Func<string, string?> get, string name, int fallback)
    {
        var raw = get(name)?.Trim();
        if (string.IsNullOrEmpty(raw)) return TimeSpan.FromSeconds(fallback);
        if (!int.TryParse(raw, out var secs) || secs <= 0)
            throw new ConfigException(name, "must be a positive number of seconds");
        return TimeSpan.FromSeconds(secs);
    }

    public override string ToString() =>
        $"bd={BdBin} gt={GtBin} town={TownRoot} autoDispatch={AutoDispatch} slingForce={SlingForce} " +
        $"poll={BeadPollInterval.TotalSeconds}s quiet={QuietPeriod.TotalSeconds}s " +
        $"ciSecret={(CiWebhookSecret is null ? "unset" : "set")} slack={(SlackWebhook is null ? "unset" : "set")}";
}
