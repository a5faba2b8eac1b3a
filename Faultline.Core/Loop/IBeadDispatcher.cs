namespace Faultline.Core.Loop;

/// <summary>
/// Dispatches an issue's bead to a worker (<c>gt sling &lt;bead&gt; &lt;rig&gt;</c>). Registered only when a
/// Gas Town root is configured; the dashboard shows its Dispatch button only when this service exists.
/// </summary>
public interface IBeadDispatcher
{
    Task<DispatchResult> DispatchAsync(long projectId, long issueId, CancellationToken ct);
}

/// <summary>Outcome of one dispatch: Ok is gt's exit code 0; Message is what to show the user.</summary>
public sealed record DispatchResult(bool Ok, string Message);
