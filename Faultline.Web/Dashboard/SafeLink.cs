namespace Faultline.Web.Dashboard;

/// <summary>
/// Only absolute http(s) URLs ever become an href. Service URLs can come from heartbeats (not
/// an admin) and event data is hostile: a "javascript:" or "data:" URL must stay plain text.
/// </summary>
public static class SafeLink
{
    public static string? Href(string? url)
    {
        if (string.IsNullOrWhiteSpace(url)) return null;
        var trimmed = url.Trim();
        if (!Uri.TryCreate(trimmed, UriKind.Absolute, out var uri)) return null;
        if (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) return null;
        if (string.IsNullOrEmpty(uri.Host)) return null;
        return uri.AbsoluteUri;
    }
}
