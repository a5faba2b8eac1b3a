using System.Data.Common;
using Dapper;
using Faultline.Core.Issues;

namespace Faultline.Core.Storage;

/// <summary>
/// Reads and the small non-ingest writes (projects, statuses, tokens, heartbeats), shared by the
/// API, the dashboard and the background services. Every query exists once for all backends.
/// </summary>
public sealed partial class FaultlineStore(Database db, TimeProvider clock)
{
    public Database Db { get; } = db;
    private SqlDialect D => Db.Dialect;
    private long NowMs => Database.Ms(clock.GetUtcNow().UtcDateTime);

    static FaultlineStore() => DefaultTypeMap.MatchNamesWithUnderscores = true;

    private async Task<T> With<T>(Func<DbConnection, Task<T>> work)
    {
        await using var conn = await Db.OpenAsync();
        return await work(conn);
    }

    private const string ProjectColumns =
        "id, name, public_key, rig, platform, description, service_url, service_url_by_admin, deployment_type, components, environments, heartbeat_interval_secs, detection_thresholds, last_heartbeat_at, created_at";

    public Task<IReadOnlyList<Project>> ListProjectsAsync() => With<IReadOnlyList<Project>>(async c =>
        (await c.QueryAsync<ProjectRow>($"SELECT {ProjectColumns} FROM projects ORDER BY id")).Select(r => r.ToModel()).ToList());

    public Task<Project?> GetProjectAsync(long id) => With(async c =>
        (await c.QueryFirstOrDefaultAsync<ProjectRow>($"SELECT {ProjectColumns} FROM projects WHERE id = @id", new { id }))?.ToModel());

    /// <summary>Idempotent seed from FAULTLINE_PROJECTS: creates missing projects, updates key and rig of existing ones.</summary>
    public Task UpsertProjectAsync(long id, string name, string publicKey, string? rig) => With(async c =>
    {
        var exists = await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM projects WHERE id = @id", new { id });
        if (exists > 0)
            await c.ExecuteAsync("UPDATE projects SET public_key = @publicKey, rig = COALESCE(@rig, rig) WHERE id = @id", new { id, publicKey, rig });
        else
            await c.ExecuteAsync("INSERT INTO projects (id, name, public_key, rig, created_at) VALUES (@id, @name, @publicKey, @rig, @now)",
                new { id, name, publicKey, rig, now = NowMs });
        return 0;
    });

    /// <summary>Creates a project with the next free id (runtime registration).</summary>
    public Task<Project> CreateProjectAsync(string name, string publicKey, string? rig) => With(async c =>
    {
        // The unique key on public_key plus a retry on id collision keeps concurrent registrations safe.
        for (var attempt = 0; ; attempt++)
        {
            var id = await c.ExecuteScalarAsync<long>("SELECT COALESCE(MAX(id), 0) + 1 FROM projects");
            try
            {
                await c.ExecuteAsync("INSERT INTO projects (id, name, public_key, rig, created_at) VALUES (@id, @name, @publicKey, @rig, @now)",
                    new { id, name, publicKey, rig, now = NowMs });
                return (await c.QueryFirstAsync<ProjectRow>($"SELECT {ProjectColumns} FROM projects WHERE id = @id", new { id })).ToModel();
            }
            catch (DbException) when (attempt < 5) { }
        }
    });

    public Task<int> UpdateProjectSettingsAsync(long id, ProjectSettings s, bool byAdmin) => With(c => c.ExecuteAsync(
        "UPDATE projects SET name = @Name, description = @Description, service_url = @ServiceUrl, service_url_by_admin = @byAdmin, " +
        "deployment_type = @DeploymentType, components = @Components, environments = @Environments, rig = @Rig, heartbeat_interval_secs = @HeartbeatIntervalSecs, " +
        "detection_thresholds = @DetectionThresholds WHERE id = @id",
        new { id, s.Name, s.Description, s.ServiceUrl, byAdmin = byAdmin ? 1 : 0, s.DeploymentType, s.Components, s.Environments, s.Rig, s.HeartbeatIntervalSecs, s.DetectionThresholds }));

    public Task RecordHeartbeatAsync(long projectId, string? url) => With(async c =>
    {
        var now = NowMs;
        await c.ExecuteAsync("INSERT INTO heartbeats (project_id, at) VALUES (@projectId, @now)", new { projectId, now });
        // A URL from a heartbeat is not admin-configured: the uptime checker will refuse private targets for it.
        if (url is null)
            await c.ExecuteAsync("UPDATE projects SET last_heartbeat_at = @now WHERE id = @projectId", new { projectId, now });
        else
            await c.ExecuteAsync("UPDATE projects SET last_heartbeat_at = @now, service_url = @url, service_url_by_admin = 0 WHERE id = @projectId",
                new { projectId, now, url });
        return 0;
    });

    // Mutable row classes: Dapper converts column types (INT vs BIGINT differ per backend) for properties.
    private sealed class ProjectRow
    {
        public long Id { get; set; }
        public string Name { get; set; } = "";
        public string PublicKey { get; set; } = "";
        public string? Rig { get; set; }
        public string? Platform { get; set; }
        public string? Description { get; set; }
        public string? ServiceUrl { get; set; }
        public long ServiceUrlByAdmin { get; set; }
        public string? DeploymentType { get; set; }
        public string? Components { get; set; }
        public string? Environments { get; set; }
        public long? HeartbeatIntervalSecs { get; set; }
        public string? DetectionThresholds { get; set; }
        public long? LastHeartbeatAt { get; set; }
        public long CreatedAt { get; set; }

        public Project ToModel() => new()
        {
            Id = Id, Name = Name, PublicKey = PublicKey, Rig = Rig, Platform = Platform, Description = Description,
            ServiceUrl = ServiceUrl, ServiceUrlByAdmin = ServiceUrlByAdmin != 0, DeploymentType = DeploymentType,
            Components = Components, Environments = Environments, HeartbeatIntervalSecs = (int?)HeartbeatIntervalSecs, DetectionThresholds = DetectionThresholds,
            LastHeartbeatAt = LastHeartbeatAt is { } h ? Database.FromMs(h) : null, CreatedAt = Database.FromMs(CreatedAt),
        };
    }
}

public sealed record ProjectSettings
{
    public string Name { get; init; } = "";
    public string? Description { get; init; }
    public string? ServiceUrl { get; init; }
    public string? DeploymentType { get; init; }
    public string? Components { get; init; }
    public string? Environments { get; init; }
    public string? Rig { get; init; }
    public int? HeartbeatIntervalSecs { get; init; }
    public string? DetectionThresholds { get; init; }
}
