using System.IO.Compression;
using System.Text;
using Faultline.Core.Ingest;

namespace Faultline.Tests.Ingest;

public class BodyDecoderTests
{
    private static readonly byte[] Json = Encoding.UTF8.GetBytes("""{"message":"hello"}""");

    private static byte[] Compress(byte[] data, Func<Stream, Stream> wrap)
    {
        var ms = new MemoryStream();
        using (var z = wrap(ms)) z.Write(data);
        return ms.ToArray();
    }

    private static byte[] Gzip(byte[] d) => Compress(d, s => new GZipStream(s, CompressionLevel.Optimal, leaveOpen: true));
    private static byte[] Zlib(byte[] d) => Compress(d, s => new ZLibStream(s, CompressionLevel.Optimal, leaveOpen: true));
    private static byte[] RawDeflate(byte[] d) => Compress(d, s => new DeflateStream(s, CompressionLevel.Optimal, leaveOpen: true));
    private static byte[] Brotli(byte[] d) => Compress(d, s => new BrotliStream(s, CompressionLevel.Optimal, leaveOpen: true));

    private static Task<byte[]> Read(byte[] body, string? encoding, IngestLimits? limits = null) =>
        BodyDecoder.ReadAsync(new MemoryStream(body), encoding, limits ?? IngestLimits.Default, CancellationToken.None);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("identity")]
    [InlineData("UTF-8")]
    [InlineData(" Identity ")]
    public async Task IdentityLikeEncodingsPassThrough(string? encoding) =>
        Assert.Equal(Json, await Read(Json, encoding));

    [Fact]
    public async Task DecodesGzipBrotliZlibAndRawDeflate()
    {
        Assert.Equal(Json, await Read(Gzip(Json), "gzip"));
        Assert.Equal(Json, await Read(Gzip(Json), "GZIP"));
        Assert.Equal(Json, await Read(Brotli(Json), "br"));
        Assert.Equal(Json, await Read(Zlib(Json), "deflate"));
        Assert.Equal(Json, await Read(RawDeflate(Json), "deflate"));
    }

    [Fact]
    public async Task CommaListIsUndoneInReverseOrder()
    {
        // "gzip, br" = gzip applied first, then brotli.
        var body = Brotli(Gzip(Json));
        Assert.Equal(Json, await Read(body, "gzip, br"));
    }

    [Theory]
    [InlineData("zstd")]
    [InlineData("compress")]
    [InlineData("gzip, lzma")]
    public async Task UnsupportedEncodingIs400(string encoding)
    {
        var ex = await Assert.ThrowsAsync<IngestException>(() => Read(Json, encoding));
        Assert.Equal(400, ex.Status);
        Assert.StartsWith("unsupported Content-Encoding '", ex.Detail);
    }

    [Theory]
    [InlineData("gzip", "body is not valid gzip")]
    [InlineData("br", "body is not valid brotli")]
    [InlineData("deflate", "body is not valid deflate")]
    public async Task CorruptStreamIs400(string encoding, string detail)
    {
        var garbage = Enumerable.Range(0, 64).Select(i => (byte)(i * 37 + 11)).ToArray();
        var ex = await Assert.ThrowsAsync<IngestException>(() => Read(garbage, encoding));
        Assert.Equal(400, ex.Status);
        Assert.Equal(detail, ex.Detail);
    }

    [Fact]
    public async Task TruncatedGzipEventIsRefusedDownstream()
    {
        // GZipStream returns the partial output of a truncated stream without complaint; the
        // truncated JSON must then fail in EventJson, so the request still ends in a 400.
        var json = Encoding.UTF8.GetBytes("{\"message\":\"" + string.Concat(Enumerable.Range(0, 2000).Select(i => $"{i},")) + "\"}");
        var full = Gzip(json);
        var partial = await Read(full[..(full.Length / 2)], "gzip");
        Assert.True(partial.Length < json.Length);
        var ex = Assert.Throws<IngestException>(() => Faultline.Core.Events.EventJson.ParseObject(partial));
        Assert.Equal(400, ex.Status);
    }

    [Fact]
    public async Task EmptyBodyIsReturnedEmpty()
    {
        Assert.Empty(await Read([], null));
        Assert.Empty(await Read([], "gzip"));
    }

    [Fact]
    public async Task WireSizeOverLimitIs413NamingTheLimit()
    {
        var limits = new IngestLimits { MaxCompressedBytes = 1024 * 1024 };
        var ex = await Assert.ThrowsAsync<IngestException>(() => Read(new byte[1024 * 1024 + 1], null, limits));
        Assert.Equal(413, ex.Status);
        Assert.Equal("request body exceeds the 1 MB compressed limit", ex.Detail);
        var defaultEx = await Assert.ThrowsAsync<IngestException>(() =>
            BodyDecoder.ReadAsync(new EndlessStream(21L * 1024 * 1024), null, IngestLimits.Default, CancellationToken.None));
        Assert.Equal("request body exceeds the 20 MB compressed limit", defaultEx.Detail);
    }

    [Fact]
    public async Task ChunkedStreamWithoutLengthIsCappedWhileReading()
    {
        // A non-seekable stream that would produce 64 MB: the cap must stop reading early.
        var stream = new EndlessStream(64L * 1024 * 1024);
        var limits = new IngestLimits { MaxCompressedBytes = 256 * 1024 };
        var ex = await Assert.ThrowsAsync<IngestException>(() =>
            BodyDecoder.ReadAsync(stream, null, limits, CancellationToken.None));
        Assert.Equal(413, ex.Status);
        Assert.True(stream.Produced < 1024 * 1024, $"read {stream.Produced} bytes before refusing");
    }

    [Fact]
    public async Task DecompressionBombIsRefusedWithBoundedMemory()
    {
        // 10 MB of zeros gzips to ~10 KB; 5 copies in one gzip stream = 50 MB decompressed from ~50 KB.
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Optimal, leaveOpen: true))
        {
            var zeros = new byte[10 * 1024 * 1024];
            for (int i = 0; i < 5; i++) gz.Write(zeros);
        }
        var bomb = ms.ToArray();
        Assert.True(bomb.Length < 200 * 1024);
        var limits = new IngestLimits { MaxDecompressedBytes = 8 * 1024 * 1024 };

        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = await Assert.ThrowsAsync<IngestException>(() => Read(bomb, "gzip", limits));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(413, ex.Status);
        Assert.Equal("decompressed body exceeds the 8 MB limit", ex.Detail);
        // Growth by doubling up to the cap: at most ~2x cap in total, never the 50 MB payload.
        Assert.True(allocated < 20L * 1024 * 1024, $"allocated {allocated} bytes");
    }

    [Fact]
    public async Task DecompressedSizeExactlyAtLimitIsAccepted()
    {
        var data = new byte[4096];
        var limits = new IngestLimits { MaxDecompressedBytes = 4096 };
        Assert.Equal(4096, (await Read(Gzip(data), "gzip", limits)).Length);
        await Assert.ThrowsAsync<IngestException>(() => Read(Gzip(new byte[4097]), "gzip", limits));
    }

    [Fact]
    public void StoreBodyDecodesBase64Zlib()
    {
        var encoded = Encoding.ASCII.GetBytes(Convert.ToBase64String(Zlib(Json)));
        Assert.Equal(Json, BodyDecoder.StoreBody(encoded, IngestLimits.Default));
    }

    [Fact]
    public void StoreBodyLeavesJsonAndNonBase64Alone()
    {
        var padded = Encoding.UTF8.GetBytes("  \n" + Encoding.UTF8.GetString(Json));
        Assert.Same(padded, BodyDecoder.StoreBody(padded, IngestLimits.Default));
        var notBase64 = Encoding.UTF8.GetBytes("[1,2,3]");
        Assert.Same(notBase64, BodyDecoder.StoreBody(notBase64, IngestLimits.Default));
    }

    [Fact]
    public void StoreBodyBase64OfGarbageIs400AndOversizeIs413()
    {
        var garbage = Encoding.ASCII.GetBytes(Convert.ToBase64String(Enumerable.Repeat((byte)0x78, 40).ToArray()));
        Assert.Equal(400, Assert.Throws<IngestException>(() => BodyDecoder.StoreBody(garbage, IngestLimits.Default)).Status);

        var big = Encoding.ASCII.GetBytes(Convert.ToBase64String(Zlib(new byte[2 * 1024 * 1024])));
        var ex = Assert.Throws<IngestException>(() => BodyDecoder.StoreBody(big, IngestLimits.Default));
        Assert.Equal(413, ex.Status);
        Assert.Equal("event exceeds the 1 MB limit", ex.Detail);
    }

    /// <summary>Non-seekable stream of zeros, like a chunked request body.</summary>
    private sealed class EndlessStream(long length) : Stream
    {
        public long Produced { get; private set; }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => Produced; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = (int)Math.Min(count, length - Produced);
            Array.Clear(buffer, offset, n);
            Produced += n;
            return n;
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
