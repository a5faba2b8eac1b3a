namespace Faultline.Core.Config;

/// <summary>Storage housekeeping settings (history commits, retention, diagnostics) from FAULTLINE_* variables.</summary>
public sealed record StorageOptions
{
    /// <summary>FAULTLINE_RETENTION_DAYS: events older than this are deleted; 0 keeps everything.</summary>
    public int RetentionDays { get; init; } = 90;
    /// <summary>FAULTLINE_COMMIT_INTERVAL_SECS: how often pending changes become a Dolt commit (Dolt only).</summary>
    public int CommitIntervalSecs { get; init; } = 60;
    /// <summary>FAULTLINE_HEALTHMON_DOCTOR: run periodic database diagnostics.</summary>
    public bool Doctor { get; init; }
    /// <summary>FAULTLINE_HEALTHMON_DOCTOR_INTERVAL_SECS: seconds between diagnostics.</summary>
    public int DoctorIntervalSecs { get; init; } = 60;

    public static StorageOptions Parse(Func<string, string?> get) => new()
    {
        RetentionDays = FaultlineOptions.ParseInt(get("FAULTLINE_RETENTION_DAYS"), "FAULTLINE_RETENTION_DAYS", 90, min: 0),
        CommitIntervalSecs = FaultlineOptions.ParseInt(get("FAULTLINE_COMMIT_INTERVAL_SECS"), "FAULTLINE_COMMIT_INTERVAL_SECS", 60, min: 1),
        Doctor = FaultlineOptions.ParseBool(get("FAULTLINE_HEALTHMON_DOCTOR"), "FAULTLINE_HEALTHMON_DOCTOR", false),
        DoctorIntervalSecs = FaultlineOptions.ParseInt(get("FAULTLINE_HEALTHMON_DOCTOR_INTERVAL_SECS"), "FAULTLINE_HEALTHMON_DOCTOR_INTERVAL_SECS", 60, min: 1),
    };
}
