namespace Faultline.Tests.Fixtures;

/// <summary>Tests in this collection share one Chromium and one running app server.</summary>
[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>, ICollectionFixture<AppServerFixture>
{
    public const string Name = "browser";
}
