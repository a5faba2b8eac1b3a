using Dapper;
using Faultline.Core.Issues;

namespace Faultline.Core.Storage;

public sealed partial class FaultlineStore
{
    private const string EventColumns =
        "id, project_id, issue_id, event_id, timestamp, received_at, level, environment, release_name, data, payload";

    public Task<IReadOnlyList<StoredEvent>> ListIssueEventsAsync(long projectId, long issueId, int limit, int offset = 0) =>
        With<IReadOnlyList<StoredEvent>>(async c =>
            (await c.QueryAsync<EventRow>(
                $"SELECT {EventColumns} FROM events WHERE issue_id = @issueId AND project_id = @projectId ORDER BY timestamp DESC, id DESC LIMIT @limit OFFSET @offset",
                new { issueId, projectId, limit = Math.Clamp(limit, 1, 500), offset = Math.Max(0, offset) })).Select(r => r.ToModel()).ToList());

    public Task<StoredEvent?> GetEventAsync(long projectId, string eventId) => With(async c =>
        (await c.QueryFirstOrDefaultAsync<EventRow>(
            $"SELECT {EventColumns} FROM events WHERE project_id = @projectId AND event_id = @eventId",
            new { projectId, eventId = eventId.Replace("-", "").ToLowerInvariant() }))?.ToModel());

    public Task<long> CountEventsAsync(long projectId) => With(c =>
        c.ExecuteScalarAsync<long>("SELECT COALESCE(SUM(count), 0) FROM project_hourly WHERE project_id = @projectId", new { projectId }));

    /// <summary>Event ids that exist among <paramref name="eventIds"/> (durability checks, dedup).</summary>
    public Task<HashSet<string>> ExistingEventIdsAsync(long projectId, IReadOnlyCollection<string> eventIds) => With(async c =>
    {
        var found = new HashSet<string>();
        foreach (var chunk in eventIds.Chunk(500))
            found.UnionWith(await c.QueryAsync<string>("SELECT event_id FROM events WHERE project_id = @projectId AND event_id IN @chunk", new { projectId, chunk }));
        return found;
    });

    private sealed class EventRow
    {
        public long Id { get; set; }
        public long ProjectId { get; set; }
        public long IssueId { get; set; }
        public string EventId { get; set; } = "";
        public long Timestamp { get; set; }
        public long ReceivedAt { get; set; }
        public string Level { get; set; } = "";
        public string? Environment { get; set; }
        public string? ReleaseName { get; set; }
        public string Data { get; set; } = "{}";
        public byte[] Payload { get; set; } = [];

        public StoredEvent ToModel() => new()
        {
            Id = Id, ProjectId = ProjectId, IssueId = IssueId, EventId = EventId, Timestamp = Database.FromMs(Timestamp),
            ReceivedAt = Database.FromMs(ReceivedAt), Level = Level, Environment = Environment, Release = ReleaseName, Data = Data, Payload = Payload,
        };
    }
}
