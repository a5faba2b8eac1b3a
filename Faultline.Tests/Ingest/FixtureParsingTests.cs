using System.Text.RegularExpressions;
using Faultline.Core.Ingest;
using Faultline.Tests.Fixtures;

namespace Faultline.Tests.Ingest;

/// <summary>Every real SDK payload in the shared fixture folder meets the catalog's expectation.</summary>
public class FixtureParsingTests
{
    [Fact]
    public void CatalogCoversEveryFileOnDisk()
    {
        var onDisk = SdkFixtures.FilesOnDisk();
        var cataloged = SdkFixtures.All.Select(f => f.RelativePath).ToHashSet();
        var missingFromCatalog = onDisk.Except(cataloged).ToList();
        var missingOnDisk = cataloged.Except(onDisk).ToList();
        Assert.True(missingFromCatalog.Count == 0, "fixtures without a catalog entry: " + string.Join(", ", missingFromCatalog));
        Assert.True(missingOnDisk.Count == 0, "catalog entries without a file: " + string.Join(", ", missingOnDisk));
        Assert.Equal(cataloged.Count, SdkFixtures.All.Count); // no duplicate entries
    }

    [Theory]
    [MemberData(nameof(SdkFixtures.Paths), MemberType = typeof(SdkFixtures))]
    public async Task FixtureMeetsCatalogExpectation(string path)
    {
        var fixture = SdkFixtures.Get(path);
        switch (fixture.Outcome)
        {
            case Outcome.Rejected:
                var ex = await Assert.ThrowsAsync<IngestException>(() => FixturePipeline.RunAsync(fixture));
                Assert.Equal(fixture.Status, ex.Status);
                Assert.Contains(fixture.ReasonContains!, ex.Detail, StringComparison.Ordinal);
                break;

            case Outcome.AcceptedNoEvent:
                Assert.Empty(await FixturePipeline.RunAsync(fixture));
                break;

            case Outcome.Stored:
                var events = await FixturePipeline.RunAsync(fixture);
                Assert.Equal(fixture.EventIds.Count, events.Count);
                for (int i = 0; i < events.Count; i++)
                {
                    var (normalized, grouping) = (events[i].Event, events[i].Grouping);
                    Assert.Matches("^[0-9a-f]{32}$", normalized.EventId);
                    if (fixture.EventIds[i] is { } expectedId) Assert.Equal(expectedId, normalized.EventId);
                    Assert.Equal(normalized.EventId, normalized.Data["event_id"]!.GetValue<string>());
                    Assert.Matches("^[0-9a-f]{64}$", grouping.Hashes[0]);
                    Assert.NotEmpty(grouping.Components);
                    Assert.False(string.IsNullOrWhiteSpace(grouping.Title));
                    Assert.DoesNotMatch(new Regex(@"\r|\n"), grouping.Title);
                }
                break;
        }
    }
}
