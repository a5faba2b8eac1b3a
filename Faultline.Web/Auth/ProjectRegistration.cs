using System.Security.Cryptography;
using Faultline.Core.Config;
using Faultline.Core.Ingest;
using Faultline.Core.Issues;
using Faultline.Core.Storage;

namespace Faultline.Web.Auth;

/// <summary>Creates projects at run time (setup wizard, admin API): ingest accepts the new key at once.</summary>
public sealed class ProjectRegistration(FaultlineStore store, ProjectDirectory directory, FaultlineOptions options, ILogger<ProjectRegistration> log)
{
    public const int MaxNameLength = 200;

    public static string NewPublicKey() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public async Task<(Project Project, string Dsn)> CreateAsync(string name, string? rig)
    {
        var project = await store.CreateProjectAsync(name.Trim(), NewPublicKey(), string.IsNullOrWhiteSpace(rig) ? null : rig.Trim());
        await directory.ReloadAsync();
        log.LogInformation("Created project {ProjectId}", project.Id);
        return (project, options.DsnFor(project.Id, project.PublicKey));
    }

    public string DsnFor(Project p) => options.DsnFor(p.Id, p.PublicKey);
}
