namespace Faultline.Web.Components.Ui;

/// <summary>Unique element ids for aria-labelledby/-describedby pairs within a page.</summary>
internal static class UiIds
{
    private static long _counter;

    public static string Next(string prefix) => $"fl-{prefix}-{Interlocked.Increment(ref _counter)}";
}
