package io.presplit.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.presplit.PresplitException;
import io.presplit.coordinate.Txn;
import io.presplit.profile.LoadRecorder;
import io.presplit.storage.log.FieldSchema;
import io.presplit.storage.log.KeyOrder;
import io.presplit.storage.log.RecordEncoder;
import io.presplit.storage.meta.StoreFormatFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/** The order-preserving key mode and the store format file that fixes a store's key order (spec 005). */
@ExtendWith(LeakCheck.class)
final class KeyOrderTest {
    @TempDir
    private Path directory;
    private LoadRecorder recorder;

    @BeforeEach
    void openRecorder() {
        recorder = new LoadRecorder(8, 8);
    }

    @AfterEach
    void closeRecorder() {
        recorder.close();
    }

    /**
     * Guards the order contract: for random series keys (ASCII and multi-byte UTF-8, shorter and longer than 8
     * bytes), byte-wise order of the keys implies order of their partition keys, and the CharSequence path (the
     * writer's) agrees with the byte path (queries').
     */
    @Test
    void shouldPreserveSeriesKeyOrderWhenOrdered() {
        final long seed = System.nanoTime();
        System.out.println("KeyOrderTest seed=" + seed);
        final SplittableRandom random = new SplittableRandom(seed);
        final String alphabet = "abcz0~/-é€";
        final List<byte[]> keys = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            final StringBuilder key = new StringBuilder();
            final int length = random.nextInt(1, 14);
            for (int j = 0; j < length; j++) {
                key.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            keys.add(key.toString().getBytes(StandardCharsets.UTF_8));
        }
        keys.sort(Arrays::compareUnsigned);
        long previous = -1;
        for (final byte[] key : keys) {
            final long partitionKey = KeyOrder.ORDERED.partitionKey(key);
            assertThat(partitionKey).as("seed=%d key=%s", seed, new String(key, StandardCharsets.UTF_8))
                .isGreaterThanOrEqualTo(previous).isNotNegative();
            final RecordEncoder encoder = new RecordEncoder(KeyOrder.ORDERED);
            encoder.encode(new String(key, StandardCharsets.UTF_8), 1, 1.0);
            assertThat(encoder.partitionKey()).isEqualTo(partitionKey);
            previous = partitionKey;
        }
        // The documented tie rule: the first 8 bytes, big-endian, less the last bit.
        assertThat(KeyOrder.ORDERED.partitionKey("tenant-a".getBytes(StandardCharsets.US_ASCII)))
            .isEqualTo(KeyOrder.ORDERED.partitionKey("tenant-a/cpu/host-17".getBytes(StandardCharsets.US_ASCII)))
            .isEqualTo(0x74656e616e742d61L >>> 1);
        assertThat(KeyOrder.ORDERED.partitionKey("a".getBytes(StandardCharsets.US_ASCII))).isEqualTo(0x61L << 55);
    }

    /**
     * Guards the reason for the mode: with ordered keys, one split at a tenant's first key keeps every series of
     * each tenant together, so a tenant's range reads one partition; point queries find series under the mode.
     */
    @Test
    void shouldKeepTenantPrefixesTogetherWhenSplitAtTenantBoundary() {
        try (PartitionStore store = PartitionStore.open(directory, recorder,
            StoreOptions.of(Durability.ASYNC).withKeyOrder(KeyOrder.ORDERED))) {
            final PartitionWriter writer = store.openWriter();
            for (int i = 0; i < 200; i++) {
                writer.write("tenant-a/host-" + i, i, i);
                writer.write("tenant-b/host-" + i, i, -i);
            }
            final long boundary = KeyOrder.ORDERED.partitionKey("tenant-b".getBytes(StandardCharsets.US_ASCII));
            final Txn split = Txn.split(1, 0, boundary, 1, 1, 2, 2);
            assertThat(store.prepare(split)).isTrue();
            store.commit(split);
            final Set<String> lower = new HashSet<>();
            final Set<String> upper = new HashSet<>();
            store.scanPartition(1, (partitionId, record) -> lower.add(record.seriesKey().substring(0, 8)));
            store.scanPartition(2, (partitionId, record) -> upper.add(record.seriesKey().substring(0, 8)));
            assertThat(lower).containsExactly("tenant-a");
            assertThat(upper).containsExactly("tenant-b");
            final List<Double> found = new ArrayList<>();
            store.query("tenant-b/host-7", 0, 1_000, (partitionId, record) -> found.add(record.value()));
            assertThat(found).containsExactly(-7.0);
        }
    }

    /**
     * Guards the persisted choice: a store created with one key order refuses to open with the other, with a
     * message naming both, and opens again with its own; a damaged format file is refused, not guessed.
     */
    @Test
    void shouldRefuseReopenWithOtherKeyOrder() throws IOException {
        try (PartitionStore store = PartitionStore.open(directory, recorder,
            StoreOptions.of(Durability.ASYNC).withKeyOrder(KeyOrder.ORDERED))) {
            store.openWriter().write("tenant-a/x", 1, 1.0);
        }
        assertThatThrownBy(() -> PartitionStore.open(directory, recorder, StoreOptions.of(Durability.ASYNC)))
            .isInstanceOf(PresplitException.class)
            .hasMessageContaining("storedKeyOrder=ORDERED").hasMessageContaining("requestedKeyOrder=HASHED")
            .extracting(e -> ((PresplitException) e).code()).isEqualTo("STORE_FORMAT_MISMATCH");
        try (PartitionStore store = PartitionStore.open(directory, recorder,
            StoreOptions.of(Durability.ASYNC).withKeyOrder(KeyOrder.ORDERED))) {
            final int[] count = new int[1];
            store.scan((partitionId, record) -> count[0]++);
            assertThat(count[0]).isEqualTo(1);
        }
        final Path file = directory.resolve(StoreFormatFile.FILE_NAME);
        final byte[] bytes = Files.readAllBytes(file);
        bytes[StoreFormatFile.KEY_ORDER_OFFSET] ^= 1;
        Files.write(file, bytes);
        assertThatThrownBy(() -> PartitionStore.open(directory, recorder,
            StoreOptions.of(Durability.ASYNC).withKeyOrder(KeyOrder.ORDERED)))
            .isInstanceOf(PresplitException.class).hasMessageContaining("store format file is damaged");
    }

    /** Guards spec 005's layout: offsets, length and the golden bytes of a format file (version 2). */
    @Test
    void shouldMatchGoldenBytesWhenEncodingFormatFile() {
        assertThat(StoreFormatFile.VERSION_OFFSET).isEqualTo(4);
        assertThat(StoreFormatFile.KEY_ORDER_OFFSET).isEqualTo(8);
        assertThat(StoreFormatFile.FIELD_COUNT_OFFSET).isEqualTo(12);
        assertThat(StoreFormatFile.FIELD_NAMES_OFFSET).isEqualTo(16);
        assertThat(StoreFormatFile.LENGTH_V1).isEqualTo(16);
        final String hex = HexFormat.of().formatHex(StoreFormatFile.encode(
            new StoreFormatFile.StoreFormat(KeyOrder.ORDERED, FieldSchema.of("usage", "idle"))));
        assertThat(hex).startsWith("50535446" + "02000000" + "01000000" + "02000000"
            + "0500" + "7573616765" + "0400" + "69646c65").hasSize(2 * (16 + 7 + 6 + 4));
        assertThat(HexFormat.of().formatHex(StoreFormatFile.encode(
            new StoreFormatFile.StoreFormat(KeyOrder.HASHED, FieldSchema.SINGLE))))
            .startsWith("50535446" + "02000000" + "00000000" + "01000000" + "0500" + "76616c7565");
    }
}
