package io.presplit.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.presplit.coordinate.Txn;
import io.presplit.keyspace.KeySpace;
import io.presplit.profile.LoadRecorder;
import io.presplit.storage.meta.CatalogEntry;
import io.presplit.storage.meta.CatalogEntry.State;
import io.presplit.storage.meta.PartitionCatalog;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The Chronicle Map partition catalog and the persisted routing epoch. */
@ExtendWith(LeakCheck.class)
final class CatalogTest {
    private static final long HALF = KeySpace.MAX_KEY / 2 + 1;
    private static final Txn SPLIT = Txn.split(1, 0, HALF, 1, 1, 2, 2);
    private static final Txn MERGE = Txn.merge(2, 1, 2, 3, 3);
    private static final List<CatalogEntry> AFTER_MERGE = List.of(
        new CatalogEntry(0, 0, State.SEALED, -1, -1, -1, KeySpace.MIN_KEY, KeySpace.MAX_KEY, 1, 1),
        new CatalogEntry(1, 1, State.SEALED, 1, 0, -1, KeySpace.MIN_KEY, HALF - 1, 2, 2),
        new CatalogEntry(2, 2, State.SEALED, 1, 0, -1, HALF, KeySpace.MAX_KEY, 2, 2),
        new CatalogEntry(3, 3, State.LIVE, 2, 1, 2, KeySpace.MIN_KEY, KeySpace.MAX_KEY, 3, -1));

    @TempDir
    private Path dataDirectory;

    private final LoadRecorder recorder = new LoadRecorder(2, 8);

    @AfterEach
    void closeRecorder() {
        recorder.close();
    }

    /**
     * Guards the catalog as a mirror of the protocol and the epoch across restarts: each step (prepare, commit,
     * abort) must show in the persisted map with the right state, lineage and epochs, and the routing epoch must
     * survive a reopen instead of restarting at 1 (a control plane comparing epochs would otherwise see time go
     * backwards).
     */
    @Test
    void shouldMirrorEveryStepAndKeepEpochWhenSplitMergeAndReopen() {
        try (PartitionStore store = PartitionStore.open(dataDirectory, recorder)) {
            assertThat(store.catalog()).containsExactly(
                new CatalogEntry(0, 0, State.LIVE, -1, -1, -1, KeySpace.MIN_KEY, KeySpace.MAX_KEY, 1, -1));
            assertThat(store.prepare(SPLIT)).isTrue();
            assertThat(store.catalog()).extracting(CatalogEntry::state)
                .containsExactly(State.LIVE, State.PREPARED, State.PREPARED);
            store.commit(SPLIT);
            assertThat(store.routingTable().epoch()).isEqualTo(2);
            final Txn aborted = Txn.split(5, 1, HALF / 2, 7, 6, 8, 7);
            assertThat(store.prepare(aborted)).isTrue();
            store.abort(aborted);
            assertThat(store.catalog()).extracting(CatalogEntry::partitionId).containsExactly(0L, 1L, 2L);
            assertThat(store.prepare(MERGE)).isTrue();
            store.commit(MERGE);
            assertThat(store.catalog()).containsExactlyElementsOf(AFTER_MERGE);
            assertThat(store.routingTable().epoch()).isEqualTo(3);
        }
        try (PartitionStore store = PartitionStore.open(dataDirectory, recorder)) {
            assertThat(store.routingTable().epoch()).isEqualTo(3);
            assertThat(store.catalog()).containsExactlyElementsOf(AFTER_MERGE);
        }
    }

    /**
     * Guards restarts: after a clean close the catalog opens without Chronicle Map's recovery (and its warning);
     * when the process stopped with the map open (no marker), the next open recovers it, so a lock left held by a
     * killed update cannot dead-lock the store.
     */
    @Test
    void shouldRecoverTheMapOnlyWhenTheLastProcessDidNotCloseIt() throws IOException {
        final Path marker = dataDirectory.resolve(PartitionCatalog.CLEAN_CLOSE_MARKER);
        try (PartitionCatalog catalog = PartitionCatalog.open(dataDirectory)) {
            assertThat(catalog.isRecovered()).as("a new file has nothing to recover").isFalse();
            catalog.put(AFTER_MERGE.get(3));
        }
        assertThat(marker).exists();

        try (PartitionCatalog catalog = PartitionCatalog.open(dataDirectory)) {
            assertThat(catalog.isRecovered()).isFalse();
            assertThat(marker).as("deleted before the map can change").doesNotExist();
            assertThat(catalog.get(3)).isEqualTo(AFTER_MERGE.get(3));
        }

        Files.delete(marker);
        try (PartitionCatalog catalog = PartitionCatalog.open(dataDirectory)) {
            assertThat(catalog.isRecovered()).isTrue();
            assertThat(catalog.get(3)).isEqualTo(AFTER_MERGE.get(3));
        }
    }

    /**
     * Guards the catalog's role as a repairable mirror: when its file is lost (or behind, after a power cut), the
     * open rebuilds it from the segment headers and the epoch comes from the headers, not from zero.
     */
    @Test
    void shouldRebuildCatalogAndEpochFromHeadersWhenCatalogFileIsLost() throws IOException {
        try (PartitionStore store = PartitionStore.open(dataDirectory, recorder)) {
            assertThat(store.prepare(SPLIT)).isTrue();
            store.commit(SPLIT);
            assertThat(store.prepare(MERGE)).isTrue();
            store.commit(MERGE);
        }
        Files.delete(dataDirectory.resolve(PartitionCatalog.FILE_NAME));

        try (PartitionStore store = PartitionStore.open(dataDirectory, recorder)) {
            assertThat(store.routingTable().epoch()).isEqualTo(3);
            assertThat(store.catalog()).containsExactlyElementsOf(AFTER_MERGE);
        }
    }

    /**
     * Guards the catalog against stale entries: a partition in the catalog that no longer exists on disk (its
     * prepare was torn, its directory removed by recovery) must be dropped at open, not reported.
     */
    @Test
    void shouldDropEntriesWithoutPartitionWhenReopened() {
        try (PartitionStore store = PartitionStore.open(dataDirectory, recorder)) {
            store.openWriter().write("series", 1, 1.0);
        }
        try (PartitionCatalog catalog = PartitionCatalog.open(dataDirectory)) {
            catalog.put(new CatalogEntry(42, 3, State.PREPARED, 9, 0, -1, 0, 10, 0, -1));
        }
        try (PartitionStore store = PartitionStore.open(dataDirectory, recorder)) {
            assertThat(store.catalog()).extracting(CatalogEntry::partitionId).containsExactly(0L);
        }
    }
}
