package io.presplit.daemon.lineprotocol;

import java.nio.charset.StandardCharsets;

/**
 * A reusable {@link CharSequence} over UTF-8 bytes, one {@code char} per byte: ASCII bytes read as themselves, and a
 * byte of 0x80 or more reads as a {@code char} of 0x80 or more, which sends Presplit's encoders to their UTF-8 path
 * ({@link #toString()} decodes the bytes). So an ASCII series key reaches the store without a copy or an object.
 * <p>
 * Not thread-safe; valid until the owner rewrites the bytes.
 */
final class ByteSequence implements CharSequence {
    private byte[] bytes;
    private int length;

    /** Points the view at {@code bytes[0, length)}. */
    void wrap(final byte[] bytes, final int length) {
        this.bytes = bytes;
        this.length = length;
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public char charAt(final int index) {
        return (char) (bytes[index] & 0xff);
    }

    @Override
    public CharSequence subSequence(final int start, final int end) {
        final String text = toString();
        return text.subSequence(Math.min(start, text.length()), Math.min(end, text.length()));
    }

    @Override
    public String toString() {
        return new String(bytes, 0, length, StandardCharsets.UTF_8);
    }
}
