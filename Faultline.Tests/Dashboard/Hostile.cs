using AngleSharp.Dom;

namespace Faultline.Tests.Dashboard;

/// <summary>Strings an attacker can put in an event, and the proof that they stayed text.</summary>
public static class Hostile
{
    public const string ScriptTag = "<script>alert(1)</script>";
    public const string AttributeBreakout = "\" onerror=\"alert(1)\" x=\"";
    public const string ImgTag = "<img src=x onerror=alert(1)>";
    public const string NonAscii = "Ошибка: 数据库超时 — naïve café ✓ 🔥";

    public static IEnumerable<object[]> All() =>
    [
        [ScriptTag],
        [AttributeBreakout],
        [ImgTag],
        [NonAscii],
    ];

    /// <summary>No executable markup anywhere in the rendered DOM.</summary>
    public static void AssertInert(IDocument dom)
    {
        Assert.Empty(dom.QuerySelectorAll("script"));
        Assert.Empty(dom.QuerySelectorAll("img"));
        foreach (var element in dom.Body!.QuerySelectorAll("*"))
        {
            foreach (var attribute in element.Attributes)
                Assert.False(attribute.Name.StartsWith("on", StringComparison.OrdinalIgnoreCase),
                    $"<{element.LocalName}> carries event-handler attribute '{attribute.Name}'");
        }
    }

    /// <summary>Inert, and shown to the user exactly as sent.</summary>
    public static void AssertShownAsText(Rendered rendered, string hostile)
    {
        AssertInert(rendered.Dom);
        Assert.Contains(hostile, rendered.Text);
    }
}
