package io.presplit.storage.log;

import static io.presplit.storage.log.SegmentDescriptor.BLOCK_ALIGNMENT;
import static io.presplit.storage.log.SegmentDescriptor.COMMITTED_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.CREATED_BY_TX_ID_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.FIRST_PARENT_ID_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.FIRST_RECORD_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.FIELD_COUNT_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.FIRST_RECORD_OFFSET_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.FIRST_VALUE_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.HEADER_CHECKSUM_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.HEADER_CHECKSUM_OFFSET_V1;
import static io.presplit.storage.log.SegmentDescriptor.HEADER_LENGTH;
import static io.presplit.storage.log.SegmentDescriptor.KEY_HI_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.KEY_LO_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.LOAD_SLOT_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.MAGIC;
import static io.presplit.storage.log.SegmentDescriptor.MAGIC_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.MAX_RECORD_LENGTH;
import static io.presplit.storage.log.SegmentDescriptor.MIN_RECORD_LENGTH;
import static io.presplit.storage.log.SegmentDescriptor.MIN_SEGMENT_LENGTH;
import static io.presplit.storage.log.SegmentDescriptor.PARTITION_ID_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.PARTITION_KEY_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.RECORD_ALIGNMENT;
import static io.presplit.storage.log.SegmentDescriptor.RECORD_CHECKSUM_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.RECORD_LENGTH_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.SEALED_BY_TX_ID_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.SEALED_TAIL_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.SEAL_STATE_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.SECOND_PARENT_ID_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.SEGMENT_INDEX_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.SEGMENT_LENGTH_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.TIMESTAMP_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.VERSION_OFFSET;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** The segment layout of spec 001 (the Javadoc of {@link SegmentDescriptor}), pinned field by field. */
final class SegmentDescriptorTest {
    /**
     * Guards the on-disk header layout: a changed offset silently makes every existing segment unreadable, so any
     * change must be deliberate (a new format version), and the spec table must agree with these numbers.
     */
    @Test
    void shouldPlaceHeaderFieldsAtSpecifiedOffsetsWhenLaidOut() {
        assertThat(MAGIC_OFFSET).isZero();
        assertThat(VERSION_OFFSET).isEqualTo(4);
        assertThat(PARTITION_ID_OFFSET).isEqualTo(8);
        assertThat(SEGMENT_INDEX_OFFSET).isEqualTo(16);
        assertThat(LOAD_SLOT_OFFSET).isEqualTo(20);
        assertThat(CREATED_BY_TX_ID_OFFSET).isEqualTo(24);
        assertThat(FIRST_PARENT_ID_OFFSET).isEqualTo(32);
        assertThat(SECOND_PARENT_ID_OFFSET).isEqualTo(40);
        assertThat(KEY_LO_OFFSET).isEqualTo(48);
        assertThat(KEY_HI_OFFSET).isEqualTo(56);
        assertThat(FIRST_RECORD_OFFSET_OFFSET).isEqualTo(64);
        assertThat(SEGMENT_LENGTH_OFFSET).isEqualTo(72);
        assertThat(FIELD_COUNT_OFFSET).isEqualTo(80);
        assertThat(HEADER_CHECKSUM_OFFSET).isEqualTo(84);
        assertThat(HEADER_CHECKSUM_OFFSET_V1).isEqualTo(80);
        assertThat(COMMITTED_OFFSET).isEqualTo(128);
        assertThat(SEAL_STATE_OFFSET).isEqualTo(136);
        assertThat(SEALED_TAIL_OFFSET).isEqualTo(144);
        assertThat(SEALED_BY_TX_ID_OFFSET).isEqualTo(152);
        assertThat(HEADER_LENGTH).isEqualTo(256);
        assertThat(FIRST_RECORD_OFFSET).isEqualTo(HEADER_LENGTH);
    }

    /**
     * Guards the alignment the code relies on: aligned access modes (the release/acquire length word, the seal's
     * header writes) throw on a misaligned offset, and the state block, written by the control thread, must not
     * share a cache-line pair with the identity block or with the records the writers fill.
     */
    @Test
    void shouldAlignFieldsAndSeparateBlocksWrittenByDifferentThreadsWhenLaidOut() {
        for (final int longOffset : new int[] {PARTITION_ID_OFFSET, CREATED_BY_TX_ID_OFFSET, FIRST_PARENT_ID_OFFSET,
            SECOND_PARENT_ID_OFFSET, KEY_LO_OFFSET, KEY_HI_OFFSET, FIRST_RECORD_OFFSET_OFFSET, SEGMENT_LENGTH_OFFSET,
            COMMITTED_OFFSET, SEAL_STATE_OFFSET, SEALED_TAIL_OFFSET, SEALED_BY_TX_ID_OFFSET,
            PARTITION_KEY_OFFSET, TIMESTAMP_OFFSET, FIRST_VALUE_OFFSET, SegmentDescriptor.valueOffset(3)}) {
            assertThat(longOffset % Long.BYTES).as("offset %d", longOffset).isZero();
        }
        assertThat(COMMITTED_OFFSET % BLOCK_ALIGNMENT).isZero();
        assertThat(FIRST_RECORD_OFFSET % BLOCK_ALIGNMENT).isZero();
        assertThat(FIRST_RECORD_OFFSET - COMMITTED_OFFSET).isGreaterThanOrEqualTo(BLOCK_ALIGNMENT);
        assertThat(COMMITTED_OFFSET - MAGIC_OFFSET).isGreaterThanOrEqualTo(BLOCK_ALIGNMENT);
    }

    /**
     * Guards the record layout and its padding: readers walk records by their length word, so every record
     * length must keep the next record 8-byte aligned, and the bounds must match the largest series key. The
     * one-field layout must stay the version 1 record byte for byte, or stores written before multi-field points
     * would read wrong.
     */
    @Test
    void shouldPlaceRecordFieldsAndPadLengthsWhenLaidOut() {
        assertThat(RECORD_LENGTH_OFFSET).isZero();
        assertThat(RECORD_CHECKSUM_OFFSET).isEqualTo(4);
        assertThat(PARTITION_KEY_OFFSET).isEqualTo(8);
        assertThat(TIMESTAMP_OFFSET).isEqualTo(16);
        assertThat(FIRST_VALUE_OFFSET).isEqualTo(24);
        // One field: the version 1 record (value 24, key length 32, key 36).
        assertThat(SegmentDescriptor.seriesKeyLengthOffset(1)).isEqualTo(32);
        assertThat(SegmentDescriptor.seriesKeyOffset(1)).isEqualTo(36);
        assertThat(SegmentDescriptor.recordLength(1, 1)).isEqualTo(40);
        assertThat(SegmentDescriptor.recordLength(1, 4)).isEqualTo(40);
        assertThat(SegmentDescriptor.recordLength(1, 5)).isEqualTo(48);
        assertThat(MIN_RECORD_LENGTH).isEqualTo(40);
        assertThat(MAX_RECORD_LENGTH).isEqualTo(1064);
        assertThat(MAX_RECORD_LENGTH % RECORD_ALIGNMENT).isZero();
        assertThat(MIN_SEGMENT_LENGTH).isEqualTo(HEADER_LENGTH + MAX_RECORD_LENGTH);
        // Four fields: values at 24, 32, 40, 48; key length 56, key 60.
        assertThat(SegmentDescriptor.valueOffset(3)).isEqualTo(48);
        assertThat(SegmentDescriptor.seriesKeyLengthOffset(4)).isEqualTo(56);
        assertThat(SegmentDescriptor.seriesKeyOffset(4)).isEqualTo(60);
        assertThat(SegmentDescriptor.recordLength(4, 4)).isEqualTo(64);
        assertThat(SegmentDescriptor.recordLength(4, 5)).isEqualTo(72);
        assertThat(SegmentDescriptor.maxRecordLength(4)).isEqualTo(1088);
        assertThat(SegmentDescriptor.minSegmentLength(4)).isEqualTo(HEADER_LENGTH + 1088);
        assertThat(SegmentDescriptor.MAX_RECORD_LENGTH_ANY).isEqualTo(SegmentDescriptor.maxRecordLength(64));
    }

    /** Guards the magic number: a file starting with other bytes must not be taken for a segment. */
    @Test
    void shouldSpellPsegWhenMagicIsWrittenLittleEndian() {
        final byte[] bytes = ByteBuffer.allocate(Integer.BYTES).order(SegmentDescriptor.BYTE_ORDER).putInt(MAGIC)
            .array();
        assertThat(new String(bytes, StandardCharsets.US_ASCII)).isEqualTo("PSEG");
    }

    /** Guards the file naming: recovery finds the chain by parsing names, and must ignore anything else. */
    @Test
    void shouldParseSegmentIndexWhenFileNameIsASegmentName() {
        assertThat(SegmentDescriptor.segmentFileName(42)).isEqualTo("segment-0000000042.log");
        assertThat(SegmentDescriptor.segmentIndex("segment-0000000042.log")).isEqualTo(42);
        assertThat(SegmentDescriptor.segmentIndex("segment-0000000042.tmp")).isEqualTo(-1);
        assertThat(SegmentDescriptor.segmentIndex("segment-00000000x2.log")).isEqualTo(-1);
        assertThat(SegmentDescriptor.segmentIndex("segment-42.log")).isEqualTo(-1);
        assertThat(SegmentDescriptor.segmentIndex("segment-9999999999.log")).isEqualTo(-1);
    }
}
