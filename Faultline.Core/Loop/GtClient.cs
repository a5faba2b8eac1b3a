using System.Text.Json;

namespace Faultline.Core.Loop;

public interface IGtClient
{
    /// <summary>Dispatches a bead to a worker in the rig. Success is the exit code (gt sling has no JSON).</summary>
    Task<SlingResult> SlingAsync(string beadId, string rig, CancellationToken ct = default);

    /// <summary>Raises a town escalation (contract §8.1), e.g. on an issue's second regression.</summary>
    Task<EscalationResult> EscalateAsync(EscalationRequest request, CancellationToken ct = default);
}

/// <summary>
/// Runs the Gas Town CLI from the town root (it refuses to work outside a town) with
/// <c>GT_TOWN_ROOT</c> set for good measure and agent-identity variables removed, so Faultline is never
/// mistaken for a polecat (sling refuses polecat callers).
/// </summary>
public sealed class GtClient(IProcessRunner runner, LoopOptions options) : IGtClient
{
    const int MaxOutputChars = 4000;
    const int MaxReasonChars = 4000;

    public async Task<SlingResult> SlingAsync(string beadId, string rig, CancellationToken ct = default)
    {
        if (!BeadIds.IsValid(beadId)) return new SlingResult(false, -1, "", "invalid bead id");
        if (!BeadIds.IsValidRig(rig)) return new SlingResult(false, -1, "", "invalid rig name");

        List<string> args = ["sling", beadId, rig];
        // --force can steal a hooked bead from a live agent (contract §6.1): only when the operator asked.
        if (options.SlingForce) args.Add("--force");

        var result = await RunAsync(args, options.SlingTimeout, ct).ConfigureAwait(false);
        var output = Trim(result.StandardOutput + (result.StandardError.Length > 0 ? "\n" + result.StandardError : ""));
        if (result.Succeeded) return new SlingResult(true, 0, output, null);
        var error = result.StartError is not null || result.TimedOut
            ? result.Describe("gt sling")
            : BdOutputParser.ErrorText(result.StandardOutput, result.StandardError, result.ExitCode) ?? result.Describe("gt sling");
        return new SlingResult(false, result.ExitCode, output, error);
    }

    public async Task<EscalationResult> EscalateAsync(EscalationRequest request, CancellationToken ct = default)
    {
        if (request.RelatedBeadId is not null && !BeadIds.IsValid(request.RelatedBeadId))
            return new EscalationResult(false, null, null, "invalid related bead id");

        List<string> args =
        [
            "escalate", Summary(request.Summary),
            $"--severity={request.Severity.ToString().ToLowerInvariant()}",
            $"--reason={Cap(request.Reason, MaxReasonChars)}",
            "--source=faultline",
        ];
        if (request.RelatedBeadId is not null) args.Add($"--related={request.RelatedBeadId}");
        args.Add("--json");

        var result = await RunAsync(args, options.EscalateTimeout, ct).ConfigureAwait(false);
        if (result.StartError is not null || result.TimedOut)
            return new EscalationResult(false, null, null, result.Describe("gt escalate"));
        if (result.ExitCode != 0)
            return new EscalationResult(false, null, null,
                BdOutputParser.ErrorText(result.StandardOutput, result.StandardError, result.ExitCode));

        // {"id","severity","actions","targets","delivery":[…],"status":"ok"|"partial_failure","source"}
        if (BdOutputParser.FindJson(result.StandardOutput) is { ValueKind: JsonValueKind.Object } json)
        {
            var o = BdOutputParser.Unwrap(json);
            var id = o.ValueKind == JsonValueKind.Object && o.TryGetProperty("id", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            var status = o.ValueKind == JsonValueKind.Object && o.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
            return new EscalationResult(true, id, status, null);
        }
        // Exit 0 means the escalation bead exists even if the output was not the JSON we expected.
        return new EscalationResult(true, null, null, null);
    }

    /// <summary>
    /// The positional description must not look like a flag or collide with a subcommand
    /// (list/ack/close/stale/show), so it always carries a "Faultline:" prefix and is one line.
    /// </summary>
    static string Summary(string summary)
    {
        var oneLine = string.Join(' ', summary.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries)).Trim();
        var text = oneLine.StartsWith("Faultline", StringComparison.OrdinalIgnoreCase) ? oneLine : "Faultline: " + oneLine;
        return Cap(text, 200);
    }

    static string Cap(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";
    static string Trim(string s) => Cap(s.Trim(), MaxOutputChars);

    Task<ProcessResult> RunAsync(IReadOnlyList<string> args, TimeSpan timeout, CancellationToken ct) =>
        runner.RunAsync(new ProcessRequest(options.GtBin, args)
        {
            WorkingDirectory = options.TownRoot,
            Environment = new Dictionary<string, string?>
            {
                ["GT_TOWN_ROOT"] = options.TownRoot,
                ["GT_ROLE"] = null,
                ["BEADS_DIR"] = null,
                ["BEADS_DB"] = null,
                ["BD_DB"] = null,
            },
            Timeout = timeout,
        }, ct);
}
