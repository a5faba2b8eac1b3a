using Faultline.Core.Config;
using Faultline.Core.Storage;
using Faultline.Core.Storage.Dolt;
using Faultline.Tests.Fixtures;
using Microsoft.Extensions.Logging.Abstractions;

namespace Faultline.Tests.Storage;

/// <summary>
/// The Dolt history committer's decisions (when to commit, what the message says, retry after failure) against a
/// real batch log; Dolt itself is replaced by a recording fake since no Dolt server runs here.
/// </summary>
public sealed class HistoryCommitterTests : IAsyncLifetime
{
    private StoreHarness _h = null!;
    private readonly FakeDolt _dolt = new();
    private HistoryCommitter _committer = null!;

    public async Task InitializeAsync()
    {
        _h = await StoreHarness.StartAsync(SqliteTestBackend.Instance);
        _committer = new HistoryCommitter(_h.Db, _h.Store, _dolt, new FaultlineOptions(), _h.Clock, NullLogger<HistoryCommitter>.Instance);
        // First tick sets the watermark at the current batch log.
        await _committer.TickAsync(CancellationToken.None);
    }

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task NothingPendingMeansNoCommit()
    {
        Assert.Equal(HistoryCommitter.TickResult.NothingToCommit, await _committer.TickAsync(CancellationToken.None));
        Assert.Empty(_dolt.Commits);
    }

    [Fact]
    public async Task CommitNamesCountsAndIssues()
    {
        var a = await _h.IssueOfAsync("CommitA");
        var b = await _h.IssueOfAsync("CommitB");
        await _h.IngestAsync(Envelopes.ErrorEvent(Envelopes.NewEventId(), type: "CommitA"));
        _dolt.Pending = 3;
        Assert.Equal(HistoryCommitter.TickResult.Committed, await _committer.TickAsync(CancellationToken.None));
        Assert.Equal($"faultline: 3 batches, 3 events, 2 issues (#{a}, #{b})", Assert.Single(_dolt.Commits));
    }

    [Fact]
    public async Task AFailedCommitIsRetriedNextTickWithItsCountsCarriedOver()
    {
        await _h.IssueOfAsync("RetryA");
        _dolt.Pending = 1;
        _dolt.FailNext = true;
        Assert.Equal(HistoryCommitter.TickResult.Failed, await _committer.TickAsync(CancellationToken.None));
        Assert.Equal(1, _committer.ConsecutiveFailures);
        await _h.IssueOfAsync("RetryB");
        Assert.Equal(HistoryCommitter.TickResult.Committed, await _committer.TickAsync(CancellationToken.None));
        Assert.StartsWith("faultline: 2 batches, 2 events, 2 issues", Assert.Single(_dolt.Commits));
        Assert.Equal(0, _committer.ConsecutiveFailures);
    }

    [Fact]
    public void MessageNamesAtMostTenIssues()
    {
        var m = HistoryCommitter.Message(new BatchSummary(99, 4, 500, 12, Enumerable.Range(1, 10).Select(i => (long)i).ToList()));
        Assert.Equal("faultline: 4 batches, 500 events, 12 issues (#1, #2, #3, #4, #5, #6, #7, #8, #9, #10, +2 more)", m);
    }

    private sealed class FakeDolt : IDoltRepository
    {
        public long Pending;
        public bool FailNext;
        public readonly List<string> Commits = [];

        public Task<long> PendingChangesAsync(CancellationToken ct) => Task.FromResult(Pending);

        public Task CommitAllAsync(string message, CancellationToken ct)
        {
            if (FailNext) { FailNext = false; throw new InvalidOperationException("simulated: database is locked"); }
            Commits.Add(message);
            Pending = 0;
            return Task.CompletedTask;
        }
    }
}
