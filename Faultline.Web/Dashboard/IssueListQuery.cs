using System.Globalization;
using Faultline.Core.Issues;
using Faultline.Core.Storage;
using Microsoft.AspNetCore.WebUtilities;

namespace Faultline.Web.Dashboard;

/// <summary>
/// The issues list's state, which lives in the URL (?status=&amp;env=&amp;q=&amp;sort=&amp;page=) so
/// that filters are bookmarkable, survive reload and work with back/forward. Parsing is
/// forgiving: an unknown value falls back to the default instead of failing the page.
/// </summary>
public sealed record IssueListQuery
{
    public const int PageSize = 50;

    /// <summary>The status tabs: what the user sees mapped to the stored statuses.</summary>
    public static readonly IReadOnlyList<(string Key, string Label, string? Statuses)> Tabs =
    [
        ("active", "Active", IssueStatus.Active),
        ("fixing", "Fixing", $"{IssueStatus.Fixing},{IssueStatus.Stabilizing}"),
        ("stabilized", "Stabilized", IssueStatus.Resolved),
        ("all", "All", null),
    ];

    public static readonly IReadOnlyList<(string Key, string Label)> SortOptions =
    [
        ("last_seen", "Last seen"), ("first_seen", "First seen"), ("event_count", "Events"), ("severity", "Severity"),
    ];

    public string Status { get; init; } = "active";
    public string? Environment { get; init; }
    public string? Query { get; init; }
    public string Sort { get; init; } = "last_seen";
    public int Page { get; init; } = 1;

    public static IssueListQuery Parse(string uri)
    {
        var q = QueryHelpers.ParseQuery(new Uri(uri).Query);
        string? Get(string key) => q.TryGetValue(key, out var v) && v.ToString() is { Length: > 0 } s ? s.Trim() : null;
        var status = Get("status")?.ToLowerInvariant();
        var sort = Get("sort")?.ToLowerInvariant();
        return new IssueListQuery
        {
            Status = Tabs.Any(t => t.Key == status) ? status! : "active",
            Environment = Get("env"),
            Query = Get("q") is { } text ? (text.Length > 200 ? text[..200] : text) : null,
            Sort = FaultlineStore.Sorts.Contains(sort) ? sort! : "last_seen",
            Page = int.TryParse(Get("page"), NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p >= 1 ? p : 1,
        };
    }

    /// <summary>Relative to the document base ("/"), so links work with or without a circuit.</summary>
    public string ToUrl(long projectId)
    {
        var parameters = new Dictionary<string, string?>();
        if (Status != "active") parameters["status"] = Status;
        if (Environment is not null) parameters["env"] = Environment;
        if (Query is not null) parameters["q"] = Query;
        if (Sort != "last_seen") parameters["sort"] = Sort;
        if (Page > 1) parameters["page"] = Page.ToString(CultureInfo.InvariantCulture);
        return QueryHelpers.AddQueryString($"dashboard/projects/{projectId}/issues", parameters);
    }

    public IssueFilter ToFilter(long projectId) => new()
    {
        ProjectId = projectId,
        Status = Tabs.First(t => t.Key == Status).Statuses,
        Environment = Environment,
        Query = Query,
        Sort = Sort,
        Limit = PageSize,
        Offset = (Page - 1) * PageSize,
    };

    /// <summary>How many issues a tab holds, from the per-status counts.</summary>
    public static long CountFor(string tab, IReadOnlyDictionary<string, long> counts)
    {
        var statuses = Tabs.First(t => t.Key == tab).Statuses;
        return statuses is null ? counts.Values.Sum() : statuses.Split(',').Sum(s => counts.GetValueOrDefault(s));
    }
}
