using System.Text;
using System.Text.Json.Nodes;

namespace Faultline.Core.Loop;

public interface IBdClient
{
    /// <summary>Files a bead in the rig. Never throws for bd failures; they come back in the result.</summary>
    Task<BdCreateResult> CreateAsync(string rig, BeadRequest request, CancellationToken ct = default);

    /// <summary>Reads many beads of one rig in as few bd calls as possible.</summary>
    Task<BdShowResult> ShowAsync(string rig, IEnumerable<string> beadIds, CancellationToken ct = default);
}

/// <summary>
/// Runs the beads CLI the way the contract (§4.2) prescribes: the rig is chosen by working directory
/// <c>&lt;town&gt;/&lt;rig&gt;</c> plus <c>BEADS_DIR=&lt;town&gt;/&lt;rig&gt;/.beads</c> — never <c>--rig</c>, which
/// bd ≥ 0.63 no longer has — with inherited bd variables stripped so the host's own settings can't
/// redirect our writes.
/// </summary>
public sealed class BdClient(IProcessRunner runner, LoopOptions options) : IBdClient
{
    /// <summary>Bounded argv per call; a rig with more tracked beads gets several calls.</summary>
    public const int ShowBatchSize = 50;
    const int MaxTitleChars = 500;

    public async Task<BdCreateResult> CreateAsync(string rig, BeadRequest request, CancellationToken ct = default)
    {
        if (!BeadIds.IsValidRig(rig)) return new BdCreateResult(null, "invalid rig name");
        foreach (var dep in new[] { request.RelatedBeadId, request.ParentBeadId })
            if (dep is not null && !BeadIds.IsValid(dep)) return new BdCreateResult(null, "invalid related/parent bead id");

        var args = CreateArguments(request);
        var result = await RunAsync(rig, [.. args, "--stdin"], request.Description, ct).ConfigureAwait(false);
        if (result.StartError is not null || result.TimedOut)
            return new BdCreateResult(null, result.Describe("bd create"));

        // bd < 0.58 has no --stdin: nothing was created, so retrying with a body file cannot duplicate.
        // (No BOM: bd would store it as part of the description.)
        if (result.ExitCode != 0 && MentionsUnknownStdinFlag(result))
        {
            var bodyFile = Path.Combine(Path.GetTempPath(), $"faultline-bead-{Guid.NewGuid():N}.md");
            try
            {
                await File.WriteAllTextAsync(bodyFile, request.Description, new UTF8Encoding(false), ct).ConfigureAwait(false);
                result = await RunAsync(rig, [.. args, $"--body-file={bodyFile}"], null, ct).ConfigureAwait(false);
                if (result.StartError is not null || result.TimedOut)
                    return new BdCreateResult(null, result.Describe("bd create"));
            }
            finally { TryDelete(bodyFile); }
        }
        return BdOutputParser.ParseCreate(result.StandardOutput, result.StandardError, result.ExitCode);
    }

    public async Task<BdShowResult> ShowAsync(string rig, IEnumerable<string> beadIds, CancellationToken ct = default)
    {
        if (!BeadIds.IsValidRig(rig)) return new BdShowResult([], [], "invalid rig name");
        var ids = beadIds.Distinct(StringComparer.Ordinal).ToList();
        // An invalid id can never be shown (and must never reach argv): report it as not found.
        var invalid = ids.Where(id => !BeadIds.IsValid(id)).ToList();
        var valid = ids.Where(BeadIds.IsValid).ToList();

        var beads = new List<BeadStatus>();
        var missing = new List<string>(invalid);
        foreach (var chunk in valid.Chunk(ShowBatchSize))
        {
            var result = await RunAsync(rig, ["show", .. chunk, "--json"], null, ct).ConfigureAwait(false);
            if (result.StartError is not null || result.TimedOut)
                return new BdShowResult([], [], result.Describe("bd show"));
            var parsed = BdOutputParser.ParseShow(result.StandardOutput, result.StandardError, result.ExitCode, chunk);
            if (!parsed.Ok) return parsed;
            beads.AddRange(parsed.Beads);
            missing.AddRange(parsed.NotFound);
        }
        return new BdShowResult(beads, missing, null);
    }

    /// <summary>The create argv without the body flag. Every value uses <c>--flag=value</c> so none can be read as a flag.</summary>
    internal static List<string> CreateArguments(BeadRequest r)
    {
        var args = new List<string>
        {
            "create", "--json",
            $"--title={CleanTitle(r.Title)}",
            "--type=bug",
            $"--priority={Math.Clamp(r.Priority, 0, 4)}",
            $"--labels={string.Join(',', Labels(r))}",
        };
        if (r.ProjectId is { } pid && r.IssueId is { } iid)
        {
            args.Add($"--external-ref=faultline:{pid}:{iid}");
            var metadata = new JsonObject { ["faultline_project_id"] = pid, ["faultline_group_id"] = iid };
            args.Add($"--metadata={metadata.ToJsonString()}");
        }
        if (r.RelatedBeadId is not null) args.Add($"--deps=related:{r.RelatedBeadId}");
        if (r.ParentBeadId is not null) args.Add($"--parent={r.ParentBeadId}");
        return args;
    }

    /// <summary>
    /// faultline, error:&lt;kind&gt;, error:regression, platform:&lt;sdk&gt;, critical, env:&lt;env&gt; (contract §5.4, §9).
    /// Labels are comma-joined on the command line, so each is reduced to a safe alphabet.
    /// </summary>
    internal static IReadOnlyList<string> Labels(BeadRequest r)
    {
        var labels = new List<string> { "faultline", "error:" + LabelPart(r.ErrorKind) };
        if (r.IsRegression) labels.Add("error:regression");
        if (!string.IsNullOrWhiteSpace(r.Platform)) labels.Add("platform:" + LabelPart(r.Platform));
        if (r.IsCritical) labels.Add("critical");
        if (!string.IsNullOrWhiteSpace(r.Environment)) labels.Add("env:" + LabelPart(r.Environment));
        foreach (var extra in r.ExtraLabels)
        {
            var clean = LabelPart(extra);
            // gt: is Gas Town's reserved namespace (contract §5.4).
            if (clean.Length > 0 && !clean.StartsWith("gt:", StringComparison.Ordinal)) labels.Add(clean);
        }
        return labels.Where(l => l.Length > 0).Distinct(StringComparer.Ordinal).ToList();
    }

    static string LabelPart(string value)
    {
        var sb = new StringBuilder();
        foreach (var c in value.Trim().ToLowerInvariant())
            sb.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or ':' ? c : '-');
        var s = sb.ToString().Trim('-');
        return s.Length > 60 ? s[..60] : s;
    }

    static string CleanTitle(string title)
    {
        var oneLine = string.Join(' ', title.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries)).Trim();
        if (oneLine.Length == 0) oneLine = "Faultline issue";
        return oneLine.Length <= MaxTitleChars ? oneLine : oneLine[..(MaxTitleChars - 1)] + "…";
    }

    static bool MentionsUnknownStdinFlag(ProcessResult r) =>
        (r.StandardError + r.StandardOutput).Contains("unknown flag: --stdin", StringComparison.OrdinalIgnoreCase);

    Task<ProcessResult> RunAsync(string rig, IReadOnlyList<string> args, string? stdin, CancellationToken ct)
    {
        var rigDir = Path.Combine(options.TownRoot, rig);
        return runner.RunAsync(new ProcessRequest(options.BdBin, args)
        {
            WorkingDirectory = rigDir,
            Environment = new Dictionary<string, string?>
            {
                ["BEADS_DIR"] = Path.Combine(rigDir, ".beads"),
                ["BEADS_DB"] = null,
                ["BD_DB"] = null,
                ["BEADS_ACTOR"] = "faultline",
                // Output shape must not depend on the host's environment; the parser copes with both anyway.
                ["BD_JSON_ENVELOPE"] = null,
            },
            StandardInput = stdin,
            Timeout = options.BdTimeout,
        }, ct);
    }

    static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
