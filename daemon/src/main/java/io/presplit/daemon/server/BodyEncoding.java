package io.presplit.daemon.server;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.InflaterInputStream;
import java.util.zip.ZipException;

/**
 * A write body's {@code Content-Encoding}, and its strict decoding on the ingest thread.
 * <p>
 * Why not Netty's decompressor on the event loop: measured, it passed an encoding it does not know (br) through as
 * if it were text, closed the connection without an answer on a body that was not gzip, and inflated a truncated
 * gzip body to its first bytes, which were then written (a cut at a line boundary would have been answered 204).
 * Here a body is inflated whole, or refused whole: a bad header, a cut stream or a wrong checksum is a {@code 400}
 * and nothing of it is written, an unknown encoding a {@code 415}. {@link GZIPInputStream} checks the trailer (CRC-32
 * and length) and reads concatenated members, as {@code gzip -d} does. Allocates per compressed request (a cold
 * path next to the parse).
 */
enum BodyEncoding {
    /** No encoding: the body is the text. */
    IDENTITY,
    /** {@code gzip} (RFC 1952), one member or several. */
    GZIP,
    /** {@code deflate}: the zlib format (RFC 1950), as HTTP defines it. */
    DEFLATE;

    /** The encoding a {@code Content-Encoding} header names, or {@code null} when it names none of these. */
    static BodyEncoding of(final String header) {
        if (header == null || header.isBlank()) {
            return IDENTITY;
        }
        return switch (header.strip().toLowerCase(Locale.ROOT)) {
            case "identity" -> IDENTITY;
            case "gzip", "x-gzip" -> GZIP;
            case "deflate" -> DEFLATE;
            default -> null;
        };
    }

    /** Why a body could not be decoded; nothing of it was written. */
    static final class DecodingException extends Exception {
        private static final long serialVersionUID = 1L;
        private final boolean isTooLarge;

        DecodingException(final String message, final boolean isTooLarge) {
            super(message);
            this.isTooLarge = isTooLarge;
        }

        /** Whether the inflated body passed the limit (413) rather than being malformed (400). */
        boolean isTooLarge() {
            return isTooLarge;
        }
    }

    /** The decoded body: {@code buffer[0, length)}; {@code buffer} may be a new, larger array. */
    record Decoded(byte[] buffer, int length) {
    }

    /**
     * Inflates {@code body[0, length)} into {@code buffer} (grown as needed, never past {@code maxBytes}).
     *
     * @throws DecodingException when the body is not of this encoding, is cut short, fails its checksum, or inflates
     *                           past {@code maxBytes}.
     */
    Decoded decode(final byte[] body, final int length, final byte[] buffer, final int maxBytes)
        throws DecodingException {
        try (InputStream in = this == GZIP ? new GZIPInputStream(new ByteArrayInputStream(body, 0, length))
            : new InflaterInputStream(new ByteArrayInputStream(body, 0, length))) {
            byte[] out = buffer;
            int size = 0;
            while (true) {
                final int limit = Math.min(out.length, maxBytes);
                if (size == limit) {
                    if (limit == maxBytes) {
                        if (in.read() < 0) {
                            break;
                        }
                        throw new DecodingException("request body exceeds " + maxBytes + " bytes after " + label()
                            + " inflation; nothing was written", true);
                    }
                    out = Arrays.copyOf(out, (int) Math.min(maxBytes, Math.max(1024L, 2L * size)));
                    continue;
                }
                final int read = in.read(out, size, limit - size);
                if (read < 0) {
                    break;
                }
                size += read;
            }
            return new Decoded(out, size);
        } catch (final EOFException e) {
            throw new DecodingException("the " + label() + " body ends before its stream does (cut short?); nothing "
                + "was written", false);
        } catch (final ZipException e) {
            throw new DecodingException("the body is not valid " + label() + " (" + e.getMessage() + "); nothing was "
                + "written", false);
        } catch (final IOException e) {
            throw new DecodingException("the " + label() + " body cannot be read (" + e + "); nothing was written",
                false);
        }
    }

    private String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
