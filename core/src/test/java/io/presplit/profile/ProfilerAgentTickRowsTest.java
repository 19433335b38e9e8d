package io.presplit.profile;

import static org.assertj.core.api.Assertions.assertThat;

import io.presplit.keyspace.KeySpace;
import org.agrona.concurrent.CachedNanoClock;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.SplittableRandom;

/**
 * The tick rows the fold writes, against rows summed straight from the records: every slot, every resource, every
 * retained tick and the roll-up rows, over more ticks than the level-0 ring holds, with words of 64 slots that are
 * empty, sparse (their slots batched) or dense (written as whole lines), and slots that took ingest, queries or both;
 * among the full words, some whose every slot took ingest and all or none queries (their open rows added a word at a
 * time).
 */
class ProfilerAgentTickRowsTest {
    /** Three level-0 blocks of 512 slots, the last one partial, and a partial last word of 48 slots. */
    private static final int SLOTS = 1_200;
    private static final int WORDS = (SLOTS + 63) / 64;
    private static final int TICKS_RETAINED = 5;
    private static final int TICKS_PER_ROLL_UP = 3;
    /** Ticks per row of the second roll-up level: three level-1 rows, so that most level-1 closes add into it. */
    private static final int TICKS_PER_SECOND_ROLL_UP = 9;
    private static final int TICKS = 23;

    /**
     * Guards rows written a word at a time and zeroed a ring later: each tick's row of every slot equals the load
     * recorded for it in that tick (zero when it took none, even where its line held a row a ring ago), for the tick
     * just completed and every retained one, and the latest completed row of each roll-up level (rows of 3 and of 9
     * ticks) is the sum of its ticks; with bucket counts folded every tick and every third.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 3})
    void shouldWriteEveryTicksRowsAsRecordedWhateverHowManySlotsOfAWordTookLoad(final int bucketFoldTicks) {
        final long seed = System.nanoTime();
        final SplittableRandom random = new SplittableRandom(seed);
        final double[][][] expected = new double[TICKS][SLOTS][Resource.VALUES.length];
        try (LoadRecorder recorder = new LoadRecorder(2, SLOTS);
             LoadHistory history = LoadHistory.inMemory(SLOTS, 0.5, new LoadHistory.Level(1, TICKS_RETAINED),
                 new LoadHistory.Level(TICKS_PER_ROLL_UP, 4), new LoadHistory.Level(TICKS_PER_SECOND_ROLL_UP, 3))) {
            final CachedNanoClock clock = new CachedNanoClock();
            final ProfilerAgent profiler = new ProfilerAgent(new ProfilerAgent.Context().recorder(recorder)
                .history(history).clock(clock).tickNs(10).slotBound(() -> SLOTS).bucketFoldTicks(bucketFoldTicks));
            final int[] stripes = {recorder.claimStripe(), recorder.claimStripe()};
            for (int tick = 0; tick < TICKS; tick++) {
                for (int word = 0; word < WORDS; word++) {
                    final int wordSlots = Math.min(64, SLOTS - 64 * word);
                    // Empty, sparse (under the dense threshold of 16), dense, or every slot of the word: of mixed
                    // kinds (3), or every slot ingest, with queries on all or none of them (4).
                    final int pattern = random.nextInt(5);
                    final int chance = pattern == 0 ? 0 : pattern == 1 ? 8 : pattern == 2 ? 50 : 100;
                    final int wordKind = random.nextBoolean() ? 0 : 2;
                    for (int i = 0; i < wordSlots; i++) {
                        if (random.nextInt(100) >= chance) {
                            continue;
                        }
                        final int slot = 64 * word + i;
                        final int kind = pattern == 4 ? wordKind : random.nextInt(3);
                        final double[] row = expected[tick][slot];
                        for (int records = 1 + random.nextInt(3); records > 0; records--) {
                            final int stripe = stripes[random.nextInt(2)];
                            if (kind != 1) {
                                final long points = 1 + random.nextInt(1_000);
                                recorder.recordIngest(stripe, slot, random.nextInt(KeySpace.BUCKET_COUNT), points,
                                    8 * points + 3);
                                row[Resource.INGEST_POINTS.ordinal()] += points;
                                row[Resource.INGEST_BYTES.ordinal()] += 8 * points + 3;
                            }
                            if (kind != 0) {
                                final long cost = 1 + random.nextInt(5_000);
                                recorder.recordQuery(stripe, slot, cost);
                                row[Resource.QUERY_COST.ordinal()] += cost;
                            }
                        }
                    }
                }
                clock.update((tick + 1) * 10L);
                profiler.doWork();
                assertThat(history.tickCount()).isEqualTo(tick + 1);
                for (int slot = 0; slot < SLOTS; slot++) {
                    for (final Resource resource : Resource.VALUES) {
                        final int r = resource.ordinal();
                        for (int ago = 0; ago <= Math.min(tick, TICKS_RETAINED - 1); ago++) {
                            assertThat(history.value(resource, slot, ago))
                                .as("seed %d, k %d, tick %d, slot %d, %s, %d ticks ago", seed, bucketFoldTicks, tick,
                                    slot, resource, ago)
                                .isEqualTo(expected[tick - ago][slot][r]);
                        }
                        final int[] perRow = {TICKS_PER_ROLL_UP, TICKS_PER_SECOND_ROLL_UP};
                        for (int level = 1; level <= perRow.length; level++) {
                            final int ticksPerRow = perRow[level - 1];
                            final int completedRows = (tick + 1) / ticksPerRow;
                            if (completedRows == 0) {
                                continue;
                            }
                            double sum = 0;
                            for (int t = (completedRows - 1) * ticksPerRow; t < completedRows * ticksPerRow; t++) {
                                sum += expected[t][slot][r];
                            }
                            assertThat(history.value(level, resource, slot, 0))
                                .as("seed %d, k %d, level %d row %d, slot %d, %s", seed, bucketFoldTicks, level,
                                    completedRows - 1, slot, resource)
                                .isEqualTo(sum);
                        }
                    }
                }
            }
        }
    }
}
