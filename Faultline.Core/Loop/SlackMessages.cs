using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Faultline.Core.Loop;

/// <summary>What a Slack message says about an issue. Text fields are raw; escaping happens when building.</summary>
public sealed record SlackIssueInfo
{
    public required long ProjectId { get; init; }
    public required long IssueId { get; init; }
    public required string Title { get; init; }
    /// <summary>Public base URL of Faultline, e.g. https://faultline.example.com</summary>
    public required string DashboardBaseUrl { get; init; }
    public string? ProjectName { get; init; }
    public string? Culprit { get; init; }
    public string? Level { get; init; }
    public long? EventCount { get; init; }
    public string? Environment { get; init; }
    public string? Release { get; init; }
    public string? BeadId { get; init; }
}

/// <summary>
/// Block Kit messages for the loop's moments. Everything that came from an event (titles, culprits,
/// environments…) is escaped for mrkdwn — &amp;, &lt;, &gt; — so an exception message can neither
/// inject links nor ping <c>&lt;!channel&gt;</c>.
/// </summary>
public static class SlackMessages
{
    // Block Kit limits: header text 150, section text 3000, field 2000, button text 75.
    const int HeaderMax = 150;
    const int SectionMax = 3000;
    const int FieldMax = 2000;

    public static JsonObject NewIssue(SlackIssueInfo i) =>
        Build(i, $"New issue: {i.Title}", "New issue", [], "Faultline detected a new issue.");

    public static JsonObject Resolved(SlackIssueInfo i, string? closeReason) =>
        Build(i, $"Resolved: {i.Title}", "Resolved", closeReason is null ? [] : [("Close reason", closeReason)],
            "The bead closed and the error stayed quiet through the quiet period.");

    public static JsonObject Regression(SlackIssueInfo i, int regressionNumber, string? previousBeadId) =>
        Build(i, $"Regression #{regressionNumber}: {i.Title}", $"Regression #{regressionNumber}",
            previousBeadId is null ? [] : [("Previous bead", previousBeadId)],
            "The error came back after it was resolved; a new bead was filed.");

    public static JsonObject Escalation(SlackIssueInfo i, string? escalationId, string reason) =>
        Build(i, $"Escalated: {i.Title}", "Escalated",
            escalationId is null ? [("Reason", reason)] : [("Escalation", escalationId), ("Reason", reason)],
            "Repeated regressions: escalated to Gas Town.");

    public static string IssueUrl(SlackIssueInfo i) =>
        $"{i.DashboardBaseUrl.TrimEnd('/')}/dashboard/projects/{i.ProjectId}/issues/{i.IssueId}";

    /// <summary>Slack's mandatory escaping for mrkdwn and for the fallback text.</summary>
    public static string Escape(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var c in text)
            sb.Append(c switch { '&' => "&amp;", '<' => "&lt;", '>' => "&gt;", _ => c.ToString() });
        return sb.ToString();
    }

    /// <summary>Escapes, then shortens the raw text until the escaped form fits (never cutting an entity).</summary>
    static string EscapeFit(string text, int max)
    {
        var raw = text.ReplaceLineEndings(" ").Trim();
        var escaped = Escape(raw);
        while (escaped.Length > max && raw.Length > 0)
        {
            raw = raw[..Math.Max(0, raw.Length - Math.Max(1, escaped.Length - max + 1))];
            escaped = Escape(raw) + "…";
        }
        return escaped;
    }

    static JsonObject Build(SlackIssueInfo i, string fallback, string verb, IReadOnlyList<(string Name, string Value)> extra, string context)
    {
        var project = i.ProjectName ?? $"project {i.ProjectId}";
        var fields = new JsonArray { Field("Project", project) };
        if (i.Level is not null) fields.Add(Field("Level", i.Level));
        if (i.EventCount is { } n) fields.Add(Field("Events", n.ToString("N0", CultureInfo.InvariantCulture)));
        if (i.Environment is not null) fields.Add(Field("Environment", i.Environment));
        if (i.Release is not null) fields.Add(Field("Release", i.Release));
        if (i.BeadId is not null) fields.Add(Field("Bead", i.BeadId));
        foreach (var (name, value) in extra) fields.Add(Field(name, value));

        var headline = $"*{EscapeFit(i.Title, SectionMax - 200)}*";
        if (i.Culprit is not null) headline += $"\n`{EscapeFit(i.Culprit, 150)}`";

        return new JsonObject
        {
            ["text"] = EscapeFit(fallback, SectionMax),
            ["blocks"] = new JsonArray
            {
                new JsonObject
                {
                    ["type"] = "header",
                    ["text"] = PlainText(EscapeFit($"{verb} · {project}", HeaderMax)),
                },
                new JsonObject
                {
                    ["type"] = "section",
                    ["text"] = new JsonObject { ["type"] = "mrkdwn", ["text"] = headline },
                    ["fields"] = fields,
                },
                new JsonObject
                {
                    ["type"] = "context",
                    ["elements"] = new JsonArray { new JsonObject { ["type"] = "mrkdwn", ["text"] = Escape(context) } },
                },
                new JsonObject
                {
                    ["type"] = "actions",
                    ["elements"] = new JsonArray
                    {
                        new JsonObject
                        {
                            ["type"] = "button",
                            ["text"] = PlainText("Open in Faultline"),
                            ["url"] = IssueUrl(i),
                            ["action_id"] = "open_issue",
                        },
                    },
                },
            },
        };
    }

    static JsonObject Field(string name, string value) =>
        new() { ["type"] = "mrkdwn", ["text"] = $"*{name}*\n{EscapeFit(value, FieldMax - name.Length - 4)}" };

    static JsonObject PlainText(string text) => new() { ["type"] = "plain_text", ["text"] = text, ["emoji"] = true };
}
