using System.Text;
using Faultline.Core.Loop;

namespace Faultline.Tests.Loop;

public class WebhookSignatureTests
{
    const string Secret = "It's a Secret to Everybody";
    static readonly byte[] Body = Encoding.UTF8.GetBytes("Hello, World!");

    [Fact]
    public void MatchesGitHubsPublishedExample()
    {
        // GitHub's documentation example for validating webhook deliveries (secret and payload above).
        Assert.Equal("sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
            WebhookSignature.ComputeHeader(Secret, Body));
    }

    [Fact]
    public void AcceptsGitHubHeaderAndPlainHexInAnyCase()
    {
        var hex = WebhookSignature.Compute(Secret, Body);
        Assert.True(WebhookSignature.Verify(Secret, Body, "sha256=" + hex));
        Assert.True(WebhookSignature.Verify(Secret, Body, hex));
        Assert.True(WebhookSignature.Verify(Secret, Body, "SHA256=" + hex.ToUpperInvariant()));
        Assert.True(WebhookSignature.Verify(Secret, Body, "  " + hex + " "));
    }

    [Fact]
    public void RejectsAWrongSignature()
    {
        var header = WebhookSignature.ComputeHeader("another secret", Body);
        Assert.Equal(SignatureCheck.Mismatch, WebhookSignature.Check(Secret, Body, header));
    }

    [Fact]
    public void RejectsATamperedBody()
    {
        var header = WebhookSignature.ComputeHeader(Secret, Body);
        Assert.Equal(SignatureCheck.Mismatch, WebhookSignature.Check(Secret, Encoding.UTF8.GetBytes("Hello, World?"), header));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void RejectsAMissingHeader(string? header) =>
        Assert.Equal(SignatureCheck.Missing, WebhookSignature.Check(Secret, Body, header));

    [Theory]
    [InlineData("sha256=")]
    [InlineData("sha256=abc")]
    [InlineData("sha1=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")]
    [InlineData("757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e1")]
    [InlineData("757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e1700")]
    [InlineData("zz7107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")]
    public void RejectsMalformedOrWrongLengthSignatures(string header) =>
        Assert.Equal(SignatureCheck.Malformed, WebhookSignature.Check(Secret, Body, header));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void WithoutASecretNothingVerifies(string? secret)
    {
        var header = WebhookSignature.ComputeHeader("x", Body);
        Assert.Equal(SignatureCheck.NoSecretConfigured, WebhookSignature.Check(secret, Body, header));
        Assert.False(WebhookSignature.Verify(secret, Body, header));
    }

    [Fact]
    public void EmptyBodyCanBeSigned()
    {
        var header = WebhookSignature.ComputeHeader(Secret, []);
        Assert.True(WebhookSignature.Verify(Secret, [], header));
        Assert.False(WebhookSignature.Verify(Secret, Body, header));
    }
}
