package io.presplit.storage.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.presplit.keyspace.KeySpace;
import org.junit.jupiter.api.Test;

import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/** Encoding of one record into the bytes spec 001 prescribes, and the input checks of the write path. */
final class RecordEncoderTest {
    /**
     * Golden bytes of the record for {@code ("cpu", 1_000_000_000 ns, 1.5)}. Guards the on-disk encoding as a
     * whole (field order, byte order, checksum range, padding) and, through the partition key, the stability of
     * the key hash that names where data lives: any change here breaks every existing store.
     */
    @Test
    void shouldProduceGoldenBytesWhenEncodingOneRecord() {
        final RecordEncoder encoder = new RecordEncoder();

        final int length = encoder.encode("cpu", 1_000_000_000L, 1.5);

        final byte[] expected = HexFormat.of().parseHex(
            "28000000" + "9c49ad89"      // length 40, CRC32C of bytes [8, 40)
                + "e769b31659be4a03"     // partition key 0x034abe5916b369e7
                + "00ca9a3b00000000"     // timestamp 1_000_000_000 ns
                + "000000000000f83f"     // value 1.5
                + "03000000"             // series key length 3
                + "637075" + "00");      // "cpu", one byte of padding
        assertThat(length).isEqualTo(40);
        assertThat(encoder.record().asSlice(0, length).toArray(ValueLayout.JAVA_BYTE)).isEqualTo(expected);
        assertThat(encoder.partitionKey()).isEqualTo(0x034abe5916b369e7L).isEqualTo(KeySpace.partitionKey("cpu"));
    }

    /**
     * Guards non-ASCII keys: they must be stored as UTF-8 and hashed from those bytes, or the same series would
     * land in different partitions depending on how the key was passed in.
     */
    @Test
    void shouldStoreUtf8AndHashItsBytesWhenKeyIsNotAscii() {
        final RecordEncoder encoder = new RecordEncoder();
        final String key = "température,ville=Zürich";
        final byte[] utf8 = key.getBytes(StandardCharsets.UTF_8);

        final int length = encoder.encode(key, 7, -2.0);

        final RecordFlyweight record = new RecordFlyweight().wrap(encoder.record(), 0, 1);
        assertThat(length).isEqualTo(SegmentDescriptor.recordLength(1, utf8.length));
        assertThat(record.seriesKeyLengthBytes()).isEqualTo(utf8.length);
        assertThat(record.seriesKey()).isEqualTo(key);
        assertThat(encoder.partitionKey()).isEqualTo(KeySpace.partitionKey(utf8));
    }

    /**
     * Guards the padding: the buffer is reused, so bytes of a longer previous key must not leak into the padding
     * of a shorter one (the checksum covers the padding, and the golden format says it is zero).
     */
    @Test
    void shouldZeroPaddingWhenPreviousRecordWasLonger() {
        final RecordEncoder encoder = new RecordEncoder();
        encoder.encode("a-much-longer-series-key", 1, 1);

        final int length = encoder.encode("cpu", 1_000_000_000L, 1.5);

        assertThat(encoder.record().get(ValueLayout.JAVA_BYTE, length - 1)).isZero();
    }

    /** Guards the input rules: each bad input is rejected with a message naming what is wrong and the values. */
    @Test
    void shouldRejectWithClearMessageWhenInputIsInvalid() {
        final RecordEncoder encoder = new RecordEncoder();

        assertThatThrownBy(() -> encoder.encode("", 1, 1)).isInstanceOf(IllegalArgumentException.class)
            .hasMessage("series key must not be empty [seriesKey=]");
        assertThatThrownBy(() -> encoder.encode("k".repeat(1025), 1, 1))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageStartingWith("series key too long [")
            .hasMessageContaining("lengthBytes=1025, maxLengthBytes=1024");
        assertThatThrownBy(() -> encoder.encode("é".repeat(513), 1, 1))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("lengthBytes=1026, maxLengthBytes=1024");
        assertThatThrownBy(() -> encoder.encode("cpu", -1, 1)).isInstanceOf(IllegalArgumentException.class)
            .hasMessage("timestamp must not be negative [seriesKey=cpu, timestampNs=-1]");
        assertThatThrownBy(() -> encoder.encode("cpu", 1, Double.NaN)).isInstanceOf(IllegalArgumentException.class)
            .hasMessage("value must be finite [seriesKey=cpu, timestampNs=1, field=value, value=NaN]");
        assertThatThrownBy(() -> encoder.encode("cpu", 1, Double.POSITIVE_INFINITY))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("value=Infinity");
    }

    /** Guards the upper bound: a key of exactly the maximum length is valid. */
    @Test
    void shouldAcceptKeyWhenLengthIsExactlyTheMaximum() {
        final RecordEncoder encoder = new RecordEncoder();

        assertThat(encoder.encode("k".repeat(1024), 1, 1)).isEqualTo(SegmentDescriptor.MAX_RECORD_LENGTH);
    }

    /**
     * Golden bytes of a four-field record for {@code ("cpu", 1_000_000_000 ns, [1.5, -2.0, 0.0, 1e9])}. Guards
     * record version 2: the values in schema order from offset 24, then the key length and the key, the checksum
     * over all of it.
     */
    @Test
    void shouldProduceGoldenBytesWhenEncodingFourFieldRecord() {
        final RecordEncoder encoder = new RecordEncoder(KeyOrder.HASHED, FieldSchema.of("a", "b", "c", "d"));

        final int length = encoder.encode("cpu", 1_000_000_000L, new double[] {1.5, -2.0, 0.0, 1e9});

        final String expectedWithoutChecksum = "40000000" + "%s"   // length 64, CRC32C of bytes [8, 64)
            + "e769b31659be4a03"                                  // partition key, as for one field
            + "00ca9a3b00000000"                                  // timestamp 1_000_000_000 ns
            + "000000000000f83f"                                  // field a: 1.5
            + "00000000000000c0"                                  // field b: -2.0
            + "0000000000000000"                                  // field c: 0.0
            + "0000000065cdcd41"                                  // field d: 1e9
            + "03000000"                                          // series key length 3
            + "637075" + "00";                                    // "cpu", one byte of padding
        final byte[] actual = encoder.record().asSlice(0, length).toArray(ValueLayout.JAVA_BYTE);
        final java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(actual, 8, length - 8);
        final String checksum = HexFormat.of().formatHex(java.nio.ByteBuffer.allocate(4)
            .order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt((int) crc.getValue()).array());
        assertThat(length).isEqualTo(64);
        assertThat(HexFormat.of().formatHex(actual)).isEqualTo(expectedWithoutChecksum.formatted(checksum));
        final RecordFlyweight record = new RecordFlyweight().wrap(encoder.record(), 0, 4);
        assertThat(new double[] {record.value(0), record.value(1), record.value(2), record.value(3)})
            .containsExactly(1.5, -2.0, 0.0, 1e9);
        assertThat(record.seriesKey()).isEqualTo("cpu");
    }

    /**
     * Guards the multi-field input rules: a wrong number of values, a NaN or infinite value (naming the field), and
     * a single value given to a store of several fields are refused with a message that says which.
     */
    @Test
    void shouldRejectWithClearMessageWhenMultiFieldInputIsInvalid() {
        final RecordEncoder encoder = new RecordEncoder(KeyOrder.HASHED, FieldSchema.of("usage", "idle"));

        assertThatThrownBy(() -> encoder.encode("cpu", 1, new double[] {1}))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("wrong number of values [seriesKey=cpu, values=1, fieldCount=2, fields=[usage, idle]]");
        assertThatThrownBy(() -> encoder.encode("cpu", 1, new double[] {1, Double.NaN}))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("value must be finite [seriesKey=cpu, timestampNs=1, field=idle, value=NaN]");
        assertThatThrownBy(() -> encoder.encode("cpu", 1, new double[] {Double.NEGATIVE_INFINITY, 1}))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("field=usage, value=-Infinity");
        assertThatThrownBy(() -> encoder.encode("cpu", 1, 1.0))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageStartingWith("one value given but the store has several fields")
            .hasMessageContaining("fields=[usage, idle]");
    }
}
