package io.aibridge.recorder;

import javax.sql.DataSource;
import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * A data source for plain JUnit tests and the benchmark that hands each thread one physical
 * connection again and again ({@code close()} only returns it), so that thousands of small
 * transactions do not each pay for a new connection.
 */
public final class ReusedConnectionDataSource implements DataSource, AutoCloseable {

    private final String url;
    private final String user;
    private final String password;
    private final Map<Thread, Connection> connections = new ConcurrentHashMap<>();

    public ReusedConnectionDataSource(String url, String user, String password) {
        this.url = url;
        this.user = user;
        this.password = password;
    }

    @Override
    public Connection getConnection() throws SQLException {
        Connection target = connections.get(Thread.currentThread());
        if (target == null || target.isClosed()) {
            target = DriverManager.getConnection(url, user, password);
            connections.put(Thread.currentThread(), target);
        }
        Connection reused = target;
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[]{Connection.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("close")) {
                        if (!reused.getAutoCommit()) {
                            reused.rollback();
                            reused.setAutoCommit(true);
                        }
                        return null;
                    }
                    try {
                        return method.invoke(reused, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        return getConnection();
    }

    @Override
    public void close() throws SQLException {
        for (Connection connection : connections.values()) {
            connection.close();
        }
        connections.clear();
    }

    @Override
    public PrintWriter getLogWriter() {
        return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
    }

    @Override
    public void setLoginTimeout(int seconds) {
    }

    @Override
    public int getLoginTimeout() {
        return 0;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException();
    }

    @Override
    public <T> T unwrap(Class<T> type) throws SQLException {
        throw new SQLException("not a wrapper");
    }

    @Override
    public boolean isWrapperFor(Class<?> type) {
        return false;
    }
}
