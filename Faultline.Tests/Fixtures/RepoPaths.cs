namespace Faultline.Tests.Fixtures;

/// <summary>Locates the repository root (the folder holding Faultline.sln) and ../shared beside it.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();
    public static string Shared => Path.GetFullPath(Path.Combine(Root, "..", "shared"));
    public static string TestTools => Path.Combine(Root, "test-tools");

    private static string FindRoot()
    {
        if (Environment.GetEnvironmentVariable("FAULTLINE_REPO_ROOT") is { Length: > 0 } env && File.Exists(Path.Combine(env, "Faultline.sln")))
            return env;
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Faultline.sln"))) return d.FullName;
        throw new InvalidOperationException("cannot find the repository root (Faultline.sln) above " + AppContext.BaseDirectory);
    }
}
