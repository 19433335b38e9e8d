package io.presplit.storage;

import io.presplit.storage.log.RecordFlyweight;
import io.presplit.storage.log.RecordVisitor;

import java.util.ArrayList;
import java.util.List;

/** A visitor that collects every record it is shown, for assertions. Not thread-safe. */
public final class Points implements RecordVisitor {
    private final List<Point> points = new ArrayList<>();

    @Override
    public void onRecord(final long partitionId, final RecordFlyweight record) {
        points.add(Point.of(partitionId, record));
    }

    /** Everything collected, in visit order. */
    public List<Point> all() {
        return points;
    }

    /** Everything collected, without the partition ids. */
    public List<Point> written() {
        return points.stream().map(Point::written).toList();
    }
}
