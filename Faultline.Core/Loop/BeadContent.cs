using System.Globalization;
using System.Text;
using Faultline.Core.Issues;

namespace Faultline.Core.Loop;

/// <summary>Why a bead is being filed: a tracker detection, or a regression of a resolved issue.</summary>
public sealed record FilingReason(string Name, string Detail, int Priority, bool Critical, int RegressionNumber = 0, string? PreviousBeadId = null)
{
    public bool IsRegression => RegressionNumber > 0;

    public static FilingReason From(Detection d) =>
        new(d.ReasonName, d.Detail, d.Priority, d.Reason == DetectionReason.Fatal);

    public static FilingReason Regression(int number, string? previousBeadId) =>
        new("regression", $"regression #{number}: the error came back within 24 h of resolution",
            BeadPriority.ForRegression(number), false, number, previousBeadId);
}

/// <summary>
/// Title and Markdown body of a bead (contract §5.4): what a polecat reads first. Everything needed to
/// start is inline; the context endpoint link has the rest (all events, CI runs, breadcrumbs).
/// </summary>
public static class BeadContent
{
    const int MaxFramesPerException = 12;
    const int MaxTitle = 200;

    public static string ContextUrl(string apiUrl, long projectId, long issueId) =>
        $"{apiUrl.TrimEnd('/')}/api/{projectId}/issues/{issueId}/context/";

    public static BeadRequest Request(Issue issue, Project project, FilingReason reason, EventDigest? sample,
        IReadOnlyList<string> releases, string apiUrl) => new()
    {
        Title = Title(issue, reason),
        Description = Body(issue, project, reason, sample, releases, apiUrl),
        Priority = reason.Priority,
        ErrorKind = issue.Unhandled ? "unhandled" : "handled",
        Platform = issue.Platform,
        IsRegression = reason.IsRegression,
        IsCritical = reason.Critical,
        Environment = issue.Environments.Count == 1 ? issue.Environments[0] : null,
        RelatedBeadId = reason.IsRegression && BeadIds.IsValid(reason.PreviousBeadId) ? reason.PreviousBeadId : null,
        ProjectId = issue.ProjectId,
        IssueId = issue.Id,
    };

    public static string Title(Issue issue, FilingReason reason)
    {
        var head = issue.Title.Length > MaxTitle ? issue.Title[..(MaxTitle - 1)] + "…" : issue.Title;
        var culprit = string.IsNullOrWhiteSpace(issue.Culprit) ? "" : $" ({issue.Culprit})";
        var prefix = reason.IsRegression ? $"Regression #{reason.RegressionNumber}: " : "";
        return prefix + head + culprit;
    }

    public static string Body(Issue issue, Project project, FilingReason reason, EventDigest? sample, IReadOnlyList<string> releases, string apiUrl)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"Faultline issue {issue.Id} in project {project.Name} (id {project.Id}) needs a fix.");
        sb.AppendLine();
        sb.AppendLine($"- **Why now:** {reason.Detail}");
        if (reason.IsRegression && reason.PreviousBeadId is not null)
            sb.AppendLine($"- **Previous bead:** {reason.PreviousBeadId} (closed; the fix did not hold)");
        sb.AppendLine($"- **Exception:** {Inline(issue.Type)}: {Inline(issue.Value)}");
        sb.AppendLine($"- **Culprit:** {Inline(issue.Culprit)}");
        sb.AppendLine($"- **Level:** {issue.Level} ({(issue.Unhandled ? "unhandled" : "handled")}), platform {issue.Platform}");
        sb.AppendLine($"- **Events:** {issue.EventCount.ToString(CultureInfo.InvariantCulture)}, first seen {Iso(issue.FirstSeen)}, last seen {Iso(issue.LastSeen)}");
        sb.AppendLine($"- **Environments:** {(issue.Environments.Count == 0 ? "none" : string.Join(", ", issue.Environments))}");
        sb.AppendLine($"- **Releases:** {(releases.Count == 0 ? "none" : string.Join(", ", releases.Take(10)))}");
        sb.AppendLine($"- **Full context:** {ContextUrl(apiUrl, issue.ProjectId, issue.Id)} (JSON; add `?format=md` for Markdown)");
        if (sample is not null)
        {
            sb.AppendLine();
            sb.AppendLine($"## Sample event {sample.EventId}");
            sb.AppendLine();
            if (sample.Message is { } m) sb.AppendLine($"Message: {Inline(m)}").AppendLine();
            AppendExceptions(sb, sample, MaxFramesPerException);
        }
        sb.AppendLine();
        sb.AppendLine("## What to do");
        sb.AppendLine();
        sb.AppendLine("Reproduce the error, fix the cause, add a test that fails without the fix, then `gt done`.");
        sb.AppendLine("Faultline watches the error after the bead closes and marks it resolved only if it stays quiet.");
        return sb.ToString();
    }

    /// <summary>Exceptions newest (the one raised) first, each with its in-app frames innermost first and context lines.</summary>
    public static void AppendExceptions(StringBuilder sb, EventDigest e, int maxFrames)
    {
        foreach (var ex in e.Exceptions.Reverse())
        {
            sb.AppendLine($"**{Inline(ex.Type ?? "Error")}**: {Inline(ex.Value ?? "")}");
            sb.AppendLine();
            if (ex.Frames.Count == 0) { sb.AppendLine("(no stack frames)").AppendLine(); continue; }
            sb.AppendLine("```");
            foreach (var f in ex.Frames.Reverse().Take(maxFrames))
            {
                sb.AppendLine(EventDigest.FrameLocation(f));
                foreach (var pre in f.PreContext.TakeLast(3)) sb.AppendLine("      " + pre);
                if (f.ContextLine is { } line) sb.AppendLine("    > " + line);
                foreach (var post in f.PostContext.Take(2)) sb.AppendLine("      " + post);
            }
            if (ex.Frames.Count > maxFrames) sb.AppendLine($"… {ex.Frames.Count - maxFrames} more frame(s)");
            sb.AppendLine("```");
            sb.AppendLine();
        }
    }

    /// <summary>One line, no Markdown fences: event text must not break the body's structure.</summary>
    static string Inline(string s)
    {
        var one = string.Join(' ', s.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).Replace("```", "'''");
        return one.Length > 500 ? one[..499] + "…" : one;
    }

    static string Iso(DateTime t) => DateTime.SpecifyKind(t, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
