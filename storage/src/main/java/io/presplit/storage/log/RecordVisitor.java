package io.presplit.storage.log;

/**
 * Receives records during a read. The flyweight is reused for every record and is valid only during the call;
 * copy what you keep.
 */
@FunctionalInterface
public interface RecordVisitor {
    /**
     * Called once per record, on the reading thread, in log order within a partition.
     *
     * @param partitionId the partition whose log holds the record.
     * @param record      a view of the record, valid only during this call.
     */
    void onRecord(long partitionId, RecordFlyweight record);
}
