namespace Faultline.Core.Ingest;

/// <summary>
/// A refusal of an ingest request with the HTTP status and a human-readable reason.
/// The web layer turns it into a JSON body <c>{"detail": ...}</c> plus <c>X-Sentry-Error</c>.
/// </summary>
public sealed class IngestException(int status, string detail) : Exception(detail)
{
    public int Status { get; } = status;
    public string Detail { get; } = detail;
    /// <summary>For 429/503: seconds the client should wait.</summary>
    public int? RetryAfterSeconds { get; init; }

    public static IngestException BadRequest(string detail) => new(400, detail);
    public static IngestException TooLarge(string detail) => new(413, detail);
}
