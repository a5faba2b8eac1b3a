using Faultline.Core.Config;
using Faultline.Core.Ingest;
using Faultline.Core.Issues;
using Faultline.Core.Loop;
using Faultline.Core.Notify;
using Faultline.Core.Storage;

namespace Faultline.Web.Endpoints;

/// <summary>The Gas Town loop's API: linking beads, the polecat context document, and the webhooks.</summary>
public static class LoopEndpoints
{
    public static IEndpointRouteBuilder MapLoopEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/{project_id}/issues/{issue_id}/assign-bead/", AssignBead).RequireToken();
        app.MapGet("/api/{project_id}/issues/{issue_id}/context/", Context).RequireToken();
        app.MapHookEndpoints();
        return app;
    }

    public sealed record AssignBeadBody([property: System.Text.Json.Serialization.JsonPropertyName("bead_id")] string? BeadId);

    /// <summary>
    /// Links an existing bead. With a town configured it must exist in the project's rig (bd show); without
    /// one only its form is checked — there is nothing to ask.
    /// </summary>
    static async Task<IResult> AssignBead(long project_id, long issue_id, AssignBeadBody? body, HttpContext http, FaultlineStore store,
        LoopStore loopStore, ProjectDirectory projects, IssueEvents events, TimeProvider clock, CancellationToken ct)
    {
        var beadId = body?.BeadId?.Trim();
        if (!BeadIds.IsValid(beadId))
            return ApiAuth.Error(400, "bead_id must be a bead id such as gt-a3f9 (lowercase letters, digits, '.', '-'; at most 64)");
        if (http.RequestServices.GetService<LoopService>() is { } loop)
        {
            var (status, message) = await loop.LinkBeadAsync(project_id, issue_id, beadId!, ct);
            if (status != 200) return ApiAuth.Error(status, message);
        }
        else
        {
            if (await store.GetIssueAsync(project_id, issue_id) is not { } issue)
                return ApiAuth.Error(404, $"issue {issue_id} not found in project {project_id}");
            var rig = projects.ById(project_id)?.Rig ?? "";
            await loopStore.AttachBeadAsync(project_id, issue_id, rig, beadId!, issue.RegressionCount, "bead_filed",
                $"bead {beadId} linked by hand (not verified: no Gas Town configured)", IssueStatus.All);
            events.Publish(new StoreChange
            {
                Kind = StoreChange.IssueChanged, ProjectId = project_id, IssueId = issue_id, Detail = $"bead_filed:{beadId}", At = clock.GetUtcNow().UtcDateTime,
            });
        }
        return Results.Json(ApiJson.Issue((await store.GetIssueAsync(project_id, issue_id))!), ApiJson.Options);
    }

    static async Task<IResult> Context(long project_id, long issue_id, HttpRequest req, FaultlineStore store, LoopStore loop,
        ProjectDirectory projects, TimeProvider clock, FaultlineOptions options)
    {
        var context = await IssueContext.LoadAsync(store, loop, projects, clock, project_id, issue_id);
        if (context is null) return ApiAuth.Error(404, $"issue {issue_id} not found in project {project_id}");
        var url = BeadContent.ContextUrl(options.ApiUrl, project_id, issue_id);
        var format = req.Query["format"].ToString();
        if (format is "md" or "markdown")
            return Results.Text(context.ToMarkdown(url + "?format=md"), "text/markdown; charset=utf-8");
        if (format.Length > 0 && format != "json") return ApiAuth.Error(400, "format must be json or md");
        return Results.Json(context.ToJson(url), ApiJson.Options);
    }
}
