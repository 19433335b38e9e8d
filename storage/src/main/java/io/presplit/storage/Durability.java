package io.presplit.storage;

/**
 * When a write is acknowledged relative to the moment its bytes reach the device. Chosen at
 * {@link PartitionStore#open(java.nio.file.Path, io.presplit.profile.LoadRecorder, StoreOptions)}.
 * <p>
 * Under {@link #SYNC} and {@link #GROUP} a write that returned survives a crash of the process and of the machine
 * (kill -9, power loss, a torn last page): recovery finds it. Under {@link #ASYNC} it survives a crash of the
 * process (the pages are in the operating system's cache) but a machine crash may lose the last writes; their
 * checksums make recovery cut the log at the first torn record, never return a torn one.
 */
public enum Durability {
    /** Every write forces the pages of its own record before it returns: one {@code msync} per write. */
    SYNC,
    /**
     * Group commit: a background thread ({@code presplit-group-commit}) forces the records of every writer that
     * is waiting, in one batch, at most {@link StoreOptions#groupCommitMaxDelayNs()} after the first of them
     * published its record (plus the force itself); each writer returns once a force covered its record.
     */
    GROUP,
    /** Writes return as soon as the record is in the mapped pages; the operating system writes them back. */
    ASYNC
}
