namespace Faultline.Core.Loop;

/// <summary>
/// Hands an issue to the Gas Town dispatcher (files or updates its bead and slings it to a worker).
/// Implemented by the loop integration; the dashboard shows its Dispatch button only when one is
/// registered in DI, so an install without Gas Town never shows a dead button.
/// </summary>
public interface IBeadDispatcher
{
    Task<DispatchResult> DispatchAsync(long projectId, long issueId, CancellationToken ct);
}

/// <param name="Dispatched">Whether the issue was handed over.</param>
/// <param name="Detail">What happened, in words for the user (shown as text).</param>
/// <param name="BeadId">The bead the issue is now linked to, when known.</param>
public sealed record DispatchResult(bool Dispatched, string Detail, string? BeadId = null);
