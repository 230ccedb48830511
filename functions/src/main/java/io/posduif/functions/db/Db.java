package io.posduif.functions.db;

import io.micronaut.context.annotation.Requires;
import io.micronaut.data.connection.jdbc.advice.DelegatingDataSource;
import jakarta.inject.Singleton;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * Explicit JDBC transactions.
 *
 * <p>Push, pull and schema apply compose SQL per tenant schema and per declared table, which
 * repositories cannot express; they run inside {@link #inTransaction} so that a batch either
 * applies whole or not at all.
 */
@Singleton
@Requires(beans = DataSource.class)
public final class Db {

    private final DataSource dataSource;

    Db(DataSource dataSource) {
        // micronaut-data wraps the pool in a proxy that insists on its own transaction
        // context; we manage transactions explicitly, so talk to the pool itself.
        this.dataSource = DelegatingDataSource.unwrapDataSource(dataSource);
    }

    public DataSource dataSource() {
        return dataSource;
    }

    @FunctionalInterface
    public interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    /** Runs {@code work} in one transaction: commit on return, rollback on any throwable. */
    public <T> T inTransaction(Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            boolean auto = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (Throwable t) {
                c.rollback();
                throw t;
            } finally {
                c.setAutoCommit(auto);
            }
        } catch (SQLException e) {
            throw new DatabaseException(e);
        }
    }

    /** Runs {@code work} on an auto-commit connection (reads, single statements). */
    public <T> T withConnection(Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            return work.run(c);
        } catch (SQLException e) {
            throw new DatabaseException(e);
        }
    }

    /** An unexpected SQL failure; mapped to 503 DATABASE_ERROR, never a client mistake. */
    public static final class DatabaseException extends RuntimeException {
        public DatabaseException(SQLException cause) {
            super(cause.getMessage(), cause);
        }

        public SQLException sqlException() {
            return (SQLException) getCause();
        }
    }
}
