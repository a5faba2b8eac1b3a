using System.Collections.Frozen;
using Faultline.Core.Issues;
using Faultline.Core.Storage;

namespace Faultline.Core.Ingest;

/// <summary>
/// In-memory map of public keys and ids to projects, so authenticating an ingest request never
/// touches the database. Reloaded whenever projects change (seed, registration, settings).
/// </summary>
public sealed class ProjectDirectory(FaultlineStore store)
{
    private volatile Snapshot _snap = new(FrozenDictionary<string, Project>.Empty, FrozenDictionary<long, Project>.Empty);

    private sealed record Snapshot(FrozenDictionary<string, Project> ByKey, FrozenDictionary<long, Project> ById);

    public async Task ReloadAsync()
    {
        var all = await store.ListProjectsAsync();
        _snap = new Snapshot(
            all.ToFrozenDictionary(p => p.PublicKey, StringComparer.OrdinalIgnoreCase),
            all.ToFrozenDictionary(p => p.Id));
    }

    public Project? ById(long id) => _snap.ById.GetValueOrDefault(id);
    public Project? ByKey(string key) => _snap.ByKey.GetValueOrDefault(key);
    public IReadOnlyCollection<Project> All => _snap.ById.Values;

    /// <summary>Checks that <paramref name="key"/> belongs to project <paramref name="projectId"/>; 403 otherwise.</summary>
    public Project Authorize(long projectId, string key)
    {
        var p = ByKey(key) ?? throw new IngestException(403, $"unknown public key for project {projectId}: check the DSN");
        if (p.Id != projectId) throw new IngestException(403, $"public key does not belong to project {projectId}: check the DSN's project id");
        return p;
    }
}
