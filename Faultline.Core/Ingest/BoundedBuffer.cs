namespace Faultline.Core.Ingest;

/// <summary>
/// A growable byte buffer that refuses to grow past a hard limit.
/// Why: request bodies and decompressed streams are attacker-controlled; a MemoryStream would
/// happily double its capacity up to 2 GB. This buffer never allocates more than the limit, so a
/// decompression bomb costs at most "limit + one read buffer" of memory before it is refused.
/// </summary>
internal sealed class BoundedBuffer(long limit, Func<IngestException> onOverflow)
{
    private byte[] _data = [];
    private int _count;

    public int Count => _count;

    public void Append(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty) return;
        long needed = (long)_count + bytes.Length;
        if (needed > limit) throw onOverflow();
        if (needed > _data.Length)
        {
            // Double, but never beyond the limit (nor Array.MaxLength).
            long grown = Math.Max(needed, Math.Max(4096L, (long)_data.Length * 2));
            grown = Math.Min(grown, Math.Min(limit, Array.MaxLength));
            var next = new byte[grown];
            _data.AsSpan(0, _count).CopyTo(next);
            _data = next;
        }
        bytes.CopyTo(_data.AsSpan(_count));
        _count = (int)needed;
    }

    /// <summary>Reads <paramref name="source"/> to its end (or until the limit is crossed).</summary>
    public async Task FillFromAsync(Stream source, CancellationToken ct)
    {
        var chunk = new byte[81920];
        int read;
        while ((read = await source.ReadAsync(chunk, ct).ConfigureAwait(false)) > 0)
            Append(chunk.AsSpan(0, read));
    }

    /// <summary>Synchronous twin of <see cref="FillFromAsync"/> for already-buffered input.</summary>
    public void FillFrom(Stream source)
    {
        Span<byte> chunk = stackalloc byte[16384];
        int read;
        while ((read = source.Read(chunk)) > 0)
            Append(chunk[..read]);
    }

    public byte[] ToArray() => _count == _data.Length ? _data : _data.AsSpan(0, _count).ToArray();
}
