namespace Faultline.Tests.Fixtures;

/// <summary>How a fixture reaches the server.</summary>
public enum SendAs
{
    /// <summary>POST /api/{pid}/envelope/ with the file as body.</summary>
    Envelope,
    /// <summary>POST /api/{pid}/store/ with the file as a JSON body.</summary>
    Store,
    /// <summary>POST /api/{pid}/store/ with the file as body and Content-Encoding: gzip.</summary>
    StoreGzip,
}

public enum Outcome
{
    /// <summary>200, and one or more error events are stored.</summary>
    Stored,
    /// <summary>200, valid, but nothing is stored (transactions, sessions, attachments only, ...).</summary>
    AcceptedNoEvent,
    /// <summary>4xx: malformed on purpose upstream.</summary>
    Rejected,
}

/// <summary>
/// What a fixture is and what the server must do with it.
/// <see cref="EventIds"/>: the ids of the stored events in order, when known (null entry = generated id).
/// </summary>
public sealed record SdkFixture(
    string RelativePath,
    SendAs SendAs,
    Outcome Outcome,
    IReadOnlyList<string?> EventIds,
    int Status,
    string? ReasonContains)
{
    public string FullPath => Path.Combine(SdkFixtures.Root, RelativePath);
    public byte[] ReadBytes() => File.ReadAllBytes(FullPath);
    public override string ToString() => RelativePath;
}

/// <summary>
/// Catalog of /work/shared/fixtures/sdk-envelopes (real SDK payloads, see SOURCES.md there),
/// shared by the unit tests here and the HTTP integration tests. Every file on disk must have an
/// entry: a new fixture without a decision fails <c>FixtureParsingTests.CatalogCoversEveryFile</c>.
/// </summary>
public static class SdkFixtures
{
    private static readonly Lazy<string> LazyRoot = new(FindRoot);

    /// <summary>Absolute path of the sdk-envelopes folder.</summary>
    public static string Root => LazyRoot.Value;

    private static SdkFixture Stored(string path, SendAs how, params string?[] ids) => new(path, how, Outcome.Stored, ids, 200, null);
    private static SdkFixture NoEvent(string path, SendAs how) => new(path, how, Outcome.AcceptedNoEvent, [], 200, null);
    private static SdkFixture Rejected(string path, SendAs how, string reason) => new(path, how, Outcome.Rejected, [], 400, reason);

    public static IReadOnlyList<SdkFixture> All { get; } =
    [
        // relay/ — full SDK events used by Relay's own normalisation tests.
        Stored("relay/payloads/android.json", SendAs.Store, "ae3a2cc6e08741c5b09946c65c022469"),
        Stored("relay/payloads/cocoa.json", SendAs.Store, "498b1ef84dd242d4b265fcc39c42f744"),
        Stored("relay/payloads/dotnet.json", SendAs.Store, "04e03764d7024caab8736daeefbb9bee"),
        Stored("relay/payloads/legacy_swift.json", SendAs.Store, "a0ce9a08dab247eeb8a6689bc44ab4e9"),

        // sentry-cocoa/ — the two NetworkEnvelopeSnapshots are {header, items} test snapshots, not wire
        // format; as /store/ bodies they share no attribute with an event (rule 3): accepted, dropped.
        NoEvent("sentry-cocoa/NetworkEnvelopeSnapshots/failed-request-event-ios.json", SendAs.Store),
        NoEvent("sentry-cocoa/NetworkEnvelopeSnapshots/successful-request-transaction-ios.json", SendAs.Store),
        Stored("sentry-cocoa/converted-event.json", SendAs.Store, "f31ce2b69e8e470c858eed4753fda78c"),

        // sentry-dotnet/
        NoEvent("sentry-dotnet/ClientReportTests.TestJsonString.json", SendAs.Store),
        NoEvent("sentry-dotnet/Deserialization_EnvelopeWithoutHeader_input.envelope", SendAs.Envelope), // unknown "fake" item
        NoEvent("sentry-dotnet/SentrySessionTests.Serialization_Session_Success.json", SendAs.Store),
        NoEvent("sentry-dotnet/Serialization_EnvelopeWithTwoEmptyItems.envelope", SendAs.Envelope),
        Stored("sentry-dotnet/Serialization_EnvelopeWithTwoItems.envelope", SendAs.Envelope, "9ec79c33ec9942ab8353589fcb2e04dc"),
        NoEvent("sentry-dotnet/Serialization_EnvelopeWithoutHeader.envelope", SendAs.Envelope), // session only

        // sentry-go/
        NoEvent("sentry-go/TestEnvelopeFromCheckInEvent.envelope", SendAs.Envelope),
        // The event body is a placeholder ({"type":"event","fields":"omitted"}) — still a valid event object.
        Stored("sentry-go/TestEnvelopeFromEventWithAttachments.envelope", SendAs.Envelope, "b81c5be4d31e48959103a1f878a1efcb"),
        NoEvent("sentry-go/TestEnvelopeFromLogEvent.envelope", SendAs.Envelope),
        Stored("sentry-go/error_event.golden", SendAs.Store, (string?)null), // 16-hex event_id → regenerated
        NoEvent("sentry-go/json/checkin/003.json", SendAs.Store),
        Stored("sentry-go/json/event/001.json", SendAs.Store, (string?)null),
        Stored("sentry-go/json/event/002.json", SendAs.Store, (string?)null),
        NoEvent("sentry-go/transaction_event.golden", SendAs.Store),

        // sentry-java/
        // Two event items (Android outbox): both stored, the header id goes to the first.
        Stored("sentry-java/android-envelopes/java-then-native-large.txt", SendAs.Envelope,
            "9ec79c33ec9942ab8353589fcb2e04dc", "aac79c33ec9942ab8353589fcb2e04dc"),
        Stored("sentry-java/android-envelopes/native-event.txt", SendAs.Envelope, "9ec79c33ec9942ab8353589fcb2e04dc"),
        Stored("sentry-java/android-envelopes/native-with-attachment.txt", SendAs.Envelope, "9ec79c33ec9942ab8353589fcb2e04dc"),
        Rejected("sentry-java/android-envelopes/session-only.txt", SendAs.Envelope, "declares length 85"), // length 85, line is 99 bytes
        Rejected("sentry-java/envelope-event-attachment.txt", SendAs.Envelope, "event is not valid JSON"), // outer } missing
        NoEvent("sentry-java/envelope-feedback.txt", SendAs.Envelope), // user_report: not an error event
        NoEvent("sentry-java/envelope-session-start.txt", SendAs.Envelope),
        NoEvent("sentry-java/envelope-transaction-with-sample-rand.txt", SendAs.Envelope),
        NoEvent("sentry-java/envelope_attachment.txt", SendAs.Envelope),
        NoEvent("sentry-java/envelope_session_sdkversion.txt", SendAs.Envelope),
        Stored("sentry-java/event.json", SendAs.Store, "087be0b0f5de424f62fc21adbf8d8dcf"), // dashed id
        NoEvent("sentry-java/json/checkin_crontab.json", SendAs.Store),
        Stored("sentry-java/json/sentry_event.json", SendAs.Store, "afcb46b1140ade5187c4bbb5daa804df"),
        NoEvent("sentry-java/json/sentry_logs.json", SendAs.Store),
        NoEvent("sentry-java/json/sentry_transaction.json", SendAs.Store),
        NoEvent("sentry-java/json/session.json", SendAs.Store),
        Rejected("sentry-java/spotlight/envelope_flutter_replay.bin", SendAs.Envelope, "declares length 19422"), // truncated
        NoEvent("sentry-java/spotlight/envelope_java.txt", SendAs.Envelope), // transaction
        Stored("sentry-java/spotlight/envelope_java_formatted_message.txt", SendAs.Envelope, "1c76b36752b2470db429d7c8214f8210"),
        // {"images":[...]} — a debug_meta fragment, shares no attribute with an event (rule 3).
        NoEvent("sentry-java/tombstone_debug_meta.json.gz", SendAs.StoreGzip),

        // sentry-react-native/
        Stored("sentry-react-native/event_breadcrumb_data.json", SendAs.Store, "286eecc053ea4c05879273226b51764c"),
        Stored("sentry-react-native/raven-rejectedpromise.json", SendAs.Store, "4e2242e2fe954901943df14f82330ca8"),
        Stored("sentry-react-native/raven-sendMessage.json", SendAs.Store, "b7276a3dfa69441dacde1c57447058f7"),
        Stored("sentry-react-native/raven-throwerror.json", SendAs.Store, "fd3ace0800f941b292562f0b96ba9f71"),
        // Envelope header event_id "event0" is not a UUID; Relay rejects such envelopes too.
        Rejected("sentry-react-native/wrapper.test.sendEnvelope-handled-false.envelope", SendAs.Envelope, "event_id"),

        // sentry-ruby/
        Stored("sentry-ruby/ruby_zero_division.json", SendAs.Store, "a3733befe5c1409090eb8a34cbb58e1c"),

        // spotlight-edge-cases/ — framing corner cases.
        Stored("spotlight-edge-cases/envelope_binary.bin", SendAs.Envelope, "9ec79c33ec9942ab8353589fcb2e04dc"),
        NoEvent("spotlight-edge-cases/envelope_empty.txt", SendAs.Envelope),
        NoEvent("spotlight-edge-cases/envelope_empty_payload.txt", SendAs.Envelope),
        NoEvent("spotlight-edge-cases/envelope_no_len_w_eof.txt", SendAs.Envelope),
        NoEvent("spotlight-edge-cases/envelope_no_len_w_eof_empty_headers.txt", SendAs.Envelope),
        NoEvent("spotlight-edge-cases/envelope_no_len_w_new_line.txt", SendAs.Envelope),
    ];

    public static SdkFixture Get(string relativePath) =>
        All.Single(f => f.RelativePath == relativePath);

    /// <summary>Every fixture file on disk (relative, '/'-separated), SOURCES.md excluded.</summary>
    public static IReadOnlyList<string> FilesOnDisk() =>
        Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(Root, p).Replace('\\', '/'))
            .Where(p => p != "SOURCES.md")
            .OrderBy(p => p, StringComparer.Ordinal)
            .ToList();

    /// <summary>xunit MemberData source.</summary>
    public static IEnumerable<object[]> Paths() => All.Select(f => new object[] { f.RelativePath });

    private static string FindRoot()
    {
        var dir = Path.Combine(RepoPaths.Shared, "fixtures", "sdk-envelopes");
        return Directory.Exists(dir) ? dir : throw new InvalidOperationException("no shared/fixtures/sdk-envelopes beside " + RepoPaths.Root);
    }
}
