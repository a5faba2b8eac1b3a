namespace Faultline.Core.Loop;

/// <summary>When an issue earns a bead. Per project; the defaults are the product's documented rules.</summary>
public sealed record DetectionThresholds
{
    /// <summary>Burst: this many error/fatal events …</summary>
    public int BurstCount { get; init; } = 3;
    /// <summary>… within this window.</summary>
    public TimeSpan BurstWindow { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>Fatal: this many fatal events (un-beaded) file immediately.</summary>
    public int FatalCount { get; init; } = 1;
    /// <summary>Slow burn: an error issue left without a bead for longer than this.</summary>
    public TimeSpan SlowBurnAfter { get; init; } = TimeSpan.FromHours(1);

    public static DetectionThresholds Default { get; } = new();

    /// <summary>Throws on nonsense so a bad project setting is caught where it is saved.</summary>
    public DetectionThresholds Validate()
    {
        if (BurstCount < 1) throw new ArgumentOutOfRangeException(nameof(BurstCount), "must be at least 1");
        if (FatalCount < 1) throw new ArgumentOutOfRangeException(nameof(FatalCount), "must be at least 1");
        if (BurstWindow <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(BurstWindow), "must be positive");
        if (SlowBurnAfter <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(SlowBurnAfter), "must be positive");
        return this;
    }
}

public enum DetectionReason { Burst, Fatal, SlowBurn }

public static class DetectionReasonNames
{
    /// <summary>The stable wire/lifecycle name: burst | fatal | slow_burn.</summary>
    public static string ToWire(this DetectionReason reason) => reason switch
    {
        DetectionReason.Burst => "burst",
        DetectionReason.Fatal => "fatal",
        _ => "slow_burn",
    };
}

/// <summary>The tracker's verdict: this issue needs a bead now, and why (for the lifecycle entry).</summary>
public sealed record Detection(long IssueId, long ProjectId, DetectionReason Reason, string Detail)
{
    public string ReasonName => Reason.ToWire();
    public int Priority => BeadPriority.For(Reason);
}
