using Dapper;

namespace Faultline.Core.Storage;

/// <summary>What the batch log holds after a given batch: the material of a history commit message.</summary>
public sealed record BatchSummary(long LastBatchId, int Batches, long Events, int IssueCount, IReadOnlyList<long> SomeIssueIds);

public sealed partial class FaultlineStore
{
    /// <summary>The newest batch id (0 when none): the history committer's starting watermark.</summary>
    public Task<long> LastBatchIdAsync() => With(c => c.ExecuteScalarAsync<long>("SELECT COALESCE(MAX(id), 0) FROM batches"));

    /// <summary>Counts batches, events and touched issues after <paramref name="afterBatchId"/>, naming up to <paramref name="nameIssues"/> issues.</summary>
    public Task<BatchSummary> SummarizeBatchesAfterAsync(long afterBatchId, int nameIssues = 10) => With(async c =>
    {
        var (last, batches, events) = await c.QueryFirstAsync<(long, long, long)>(
            "SELECT COALESCE(MAX(id), @afterBatchId), COUNT(*), COALESCE(SUM(event_count), 0) FROM batches WHERE id > @afterBatchId",
            new { afterBatchId });
        var issueCount = await c.ExecuteScalarAsync<long>(
            "SELECT COUNT(DISTINCT issue_id) FROM issue_history WHERE batch_id > @afterBatchId AND batch_id <= @last", new { afterBatchId, last });
        var some = (await c.QueryAsync<long>(
            "SELECT DISTINCT issue_id FROM issue_history WHERE batch_id > @afterBatchId AND batch_id <= @last ORDER BY issue_id LIMIT @n",
            new { afterBatchId, last, n = nameIssues })).ToList();
        return new BatchSummary(last, (int)batches, events, (int)issueCount, some);
    });
}
