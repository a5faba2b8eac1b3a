using System.Diagnostics;
using Dapper;
using Faultline.Core.Config;
using Faultline.Core.Storage;
using Faultline.Core.Storage.Dolt;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Faultline.Core.Ops;

/// <summary>One round of database diagnostics.</summary>
public sealed record DoctorReport
{
    public DateTime At { get; init; }
    public string Backend { get; init; } = "";
    public string? Version { get; init; }
    public bool Reachable { get; init; }
    /// <summary>Open + one trivial query, in milliseconds.</summary>
    public double RoundTripMs { get; init; }
    public long? SizeBytes { get; init; }
    /// <summary>Tables with uncommitted Dolt changes; null on other backends.</summary>
    public long? PendingDoltChanges { get; init; }
    public string? Error { get; init; }
}

/// <summary>
/// Database diagnostics (FAULTLINE_HEALTHMON_DOCTOR): reachability, round-trip latency, size and pending Dolt
/// changes. The latest report is kept in <see cref="Latest"/> for the health endpoint; always registered,
/// null until the first check.
/// </summary>
public sealed class DatabaseDoctor(Database db, TimeProvider clock, ILogger<DatabaseDoctor> logger)
{
    private volatile DoctorReport? _latest;
    public DoctorReport? Latest => _latest;

    public async Task<DoctorReport> CheckAsync(CancellationToken ct = default)
    {
        var report = new DoctorReport { At = clock.GetUtcNow().UtcDateTime, Backend = db.Backend, Version = db.BackendVersion };
        try
        {
            var sw = Stopwatch.StartNew();
            await using var conn = await db.OpenAsync(ct);
            await conn.ExecuteScalarAsync<long>("SELECT 1");
            report = report with { Reachable = true, RoundTripMs = sw.Elapsed.TotalMilliseconds };
            report = report with { SizeBytes = await conn.ExecuteScalarAsync<long>(db.Dialect.DatabaseSizeSql) };
            if (db.IsDolt)
                report = report with { PendingDoltChanges = Convert.ToInt64(await DoltCommands.ScalarAsync(conn, DoltSql.PendingChanges(), ct) ?? 0L) };
            logger.LogInformation("Database doctor: {Backend} reachable, round trip {Ms:0.0} ms, size {Size} bytes{Dolt}",
                report.Backend, report.RoundTripMs, report.SizeBytes, report.PendingDoltChanges is { } p ? $", {p} tables with uncommitted changes" : "");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            report = report with { Error = ex.Message };
            logger.LogWarning("Database doctor: {Backend} {State}: {Error}", report.Backend, report.Reachable ? "check failed" : "unreachable", ex.Message);
        }
        _latest = report;
        return report;
    }
}

/// <summary>Runs <see cref="DatabaseDoctor"/> every FAULTLINE_HEALTHMON_DOCTOR_INTERVAL_SECS when enabled.</summary>
public sealed class DatabaseDoctorService(DatabaseDoctor doctor, FaultlineOptions options, TimeProvider clock) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Storage.Doctor) return;
        await Task.Yield();
        var interval = TimeSpan.FromSeconds(options.Storage.DoctorIntervalSecs);
        while (!stoppingToken.IsCancellationRequested)
        {
            await doctor.CheckAsync(stoppingToken);
            try { await Task.Delay(interval, clock, stoppingToken); }
            catch (OperationCanceledException) { break; }
        }
    }
}
