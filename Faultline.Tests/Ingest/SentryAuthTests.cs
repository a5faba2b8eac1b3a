using System.Text;
using Faultline.Core.Ingest;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Faultline.Tests.Ingest;

public class SentryAuthTests
{
    private const string Key = "e12d836b15bb49d7bbf99e64295d995b";

    private static string Resolve(Dictionary<string, string>? headers = null, string? query = null, string? dsn = null)
    {
        var h = new HeaderDictionary();
        foreach (var (k, v) in headers ?? []) h[k] = v;
        var q = new QueryCollection(Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(query));
        return SentryAuth.ResolveKey(h, q, dsn);
    }

    private static IngestException Fails(Dictionary<string, string>? headers = null, string? query = null, string? dsn = null) =>
        Assert.Throws<IngestException>(() => Resolve(headers, query, dsn));

    [Theory]
    [InlineData("Sentry sentry_key=E12D836B15BB49D7BBF99E64295D995B, sentry_version=7, sentry_client=sentry.python/2.0")]
    [InlineData("sentry sentry_version=7,sentry_client=sentry.go/0.1,sentry_key=e12d836b15bb49d7bbf99e64295d995b")]
    [InlineData("SENTRY  sentry_key = e12d836b15bb49d7bbf99e64295d995b , sentry_secret=xyz, sentry_version=7.0")]
    public void ReadsXSentryAuth(string header) =>
        Assert.Equal(Key, Resolve(new() { ["X-Sentry-Auth"] = header }));

    [Fact]
    public void ReadsAuthorizationSentryAndBasic()
    {
        Assert.Equal(Key, Resolve(new() { ["Authorization"] = $"Sentry sentry_key={Key}" }));
        var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes(Key + ":ignored"));
        Assert.Equal(Key, Resolve(new() { ["Authorization"] = "Basic " + basic }));
    }

    [Fact]
    public void ReadsQueryAndEnvelopeDsn()
    {
        Assert.Equal(Key, Resolve(query: $"?sentry_version=7&sentry_key={Key}&sentry_client=sentry.javascript.browser%2F8.0"));
        Assert.Equal(Key, Resolve(dsn: $"https://{Key}@o1.ingest.example.com/42"));
    }

    [Fact]
    public void AgreeingSourcesAreAccepted() =>
        Assert.Equal(Key, Resolve(new() { ["X-Sentry-Auth"] = $"Sentry sentry_key={Key.ToUpperInvariant()}" },
            query: $"sentry_key={Key}", dsn: $"http://{Key}@localhost:9000/sentry/1"));

    [Fact]
    public void ConflictingSourcesAre401WithoutLeakingKeys()
    {
        var ex = Fails(new() { ["X-Sentry-Auth"] = $"Sentry sentry_key={Key}" }, dsn: "https://otherkey0000@h/1");
        Assert.Equal(401, ex.Status);
        Assert.Equal("conflicting credentials", ex.Detail);
        Assert.DoesNotContain(Key, ex.Detail);
        Assert.DoesNotContain("otherkey", ex.Detail);
    }

    [Fact]
    public void MissingCredentialsAre401()
    {
        var ex = Fails();
        Assert.Equal(401, ex.Status);
        Assert.Equal("missing authorization: send X-Sentry-Auth, Authorization: Sentry, ?sentry_key= or an envelope dsn", ex.Detail);
        // Foreign schemes are not ours and do not count as credentials.
        Assert.Equal(401, Fails(new() { ["Authorization"] = "Bearer abc" }).Status);
    }

    [Theory]
    [InlineData("sentry_key=abc")]            // no "Sentry " scheme
    [InlineData("Sentry sentry_version=7")]   // no key
    [InlineData("Sentry sentry_key=, sentry_version=7")]
    public void MalformedXSentryAuthIs401(string header)
    {
        var ex = Fails(new() { ["X-Sentry-Auth"] = header });
        Assert.Equal(401, ex.Status);
        Assert.Equal("bad X-Sentry-Auth header", ex.Detail);
    }

    [Theory]
    [InlineData("8")]
    [InlineData("8.0")]
    [InlineData("10")]
    public void NewerProtocolVersionIs400(string version)
    {
        var ex = Fails(new() { ["X-Sentry-Auth"] = $"Sentry sentry_key={Key}, sentry_version={version}" });
        Assert.Equal(400, ex.Status);
        Assert.Equal("unsupported protocol version", ex.Detail);
        Assert.Equal(400, Fails(query: $"sentry_key={Key}&sentry_version={version}").Status);
    }

    [Fact]
    public void BadDsnOrBasicAre401WithoutKey()
    {
        Assert.Equal(401, Fails(dsn: "not a dsn").Status);
        var ex = Fails(new() { ["Authorization"] = "Basic !!!notbase64" });
        Assert.Equal(401, ex.Status);
    }

    [Theory]
    [InlineData("https://abc@o1.ingest.sentry.io/42", "abc", 42L)]
    [InlineData("https://abc:secret@sentry.example.com:8443/prefix/path/7", "abc", 7L)]
    [InlineData("http://public@example.com/sentry/1", "public", 1L)]
    [InlineData("https://e12d836b15bb49d7bbf99e64295d995b:@sentry.io/42", Key, 42L)]
    [InlineData("https://abc@host/notanumber", "abc", null)]
    public void ParsesDsn(string dsn, string key, long? projectId)
    {
        var parsed = SentryAuth.ParseDsn(dsn);
        Assert.NotNull(parsed);
        Assert.Equal(key, parsed.Value.Key);
        Assert.Equal(projectId, parsed.Value.ProjectId);
    }

    [Theory]
    [InlineData("")]
    [InlineData("https://host/42")]
    [InlineData("just-text")]
    [InlineData("https://:secret@host/1")]
    public void RejectsDsnWithoutKey(string dsn) => Assert.Null(SentryAuth.ParseDsn(dsn));
}
