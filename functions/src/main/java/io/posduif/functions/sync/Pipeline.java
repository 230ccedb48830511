package io.posduif.functions.sync;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Statements sent to PostgreSQL in one round trip.
 *
 * <p>pgjdbc sends a prepared query of several {@code ;}-separated statements as one pipeline
 * (Parse/Bind/Execute per statement, one Sync), and the server runs them one after the other,
 * each with its own snapshot under READ COMMITTED: a statement sees what the ones before it did,
 * and locks they took, exactly as if they had been sent one by one. The first failing statement
 * skips the rest and fails the call.
 *
 * <p>Why: on this kind of machine a round trip is two context switches and a handful of
 * system calls on each side, which cost more CPU than most of a push's small statements; a push
 * went from ten round trips to three.
 */
final class Pipeline {

    /** Binds a statement's parameters from position {@code at}; returns the next free position. */
    @FunctionalInterface
    interface Binder {
        int bind(PreparedStatement ps, int at) throws SQLException;
    }

    /** Reads a statement's rows. */
    @FunctionalInterface
    interface Reader {
        void read(ResultSet rs) throws SQLException;
    }

    private final StringBuilder sql = new StringBuilder();
    private final List<Binder> binders = new ArrayList<>();
    private final List<Reader> readers = new ArrayList<>();

    /** Appends a statement; {@code reader} may be null for a statement whose answer is not needed. */
    Pipeline add(String statement, Binder binder, Reader reader) {
        if (statement.indexOf(';') >= 0) {
            throw new IllegalArgumentException("one statement per add: " + statement);
        }
        if (!sql.isEmpty()) {
            sql.append(";\n");
        }
        sql.append(statement);
        binders.add(binder);
        readers.add(reader);
        return this;
    }

    boolean isEmpty() {
        return binders.isEmpty();
    }

    /** Runs every statement in one round trip, in order, handing each one's rows to its reader. */
    void run(Connection c) throws SQLException {
        if (isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
            int at = 1;
            for (Binder b : binders) {
                at = b.bind(ps, at);
            }
            boolean rows = ps.execute();
            for (int i = 0; i < readers.size(); i++) {
                if (i > 0) {
                    rows = ps.getMoreResults();
                }
                if (rows) {
                    try (ResultSet rs = ps.getResultSet()) {
                        if (readers.get(i) != null) {
                            readers.get(i).read(rs);
                        }
                    }
                } else if (readers.get(i) != null) {
                    throw new IllegalStateException("statement " + i + " of the pipeline returned no rows");
                }
            }
        }
    }
}
