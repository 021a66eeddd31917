package dev.seam.differential;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.util.Properties;
import java.util.logging.Logger;

/**
 * Lets Debezium 3.6's MySQL connector run against MariaDB 10.11 for the differential test. That
 * connector reads the binlog position with SHOW BINARY LOG STATUS (MySQL 8.2+) and, when it fails on
 * a server whose version string is 8.2 or higher (MariaDB's "10.11"), stops; Debezium's own MariaDB
 * connector, which would use SHOW MASTER STATUS, is not available from the registry the project builds
 * with. The harness points `database.jdbc.driver` at this class and `database.protocol` at
 * {@code jdbc:seam-mariadb}: connections come from MySQL Connector/J unchanged, except that the one
 * statement is rewritten to SHOW MASTER STATUS, whose first four columns (File, Position,
 * Binlog_Do_DB, Binlog_Ignore_DB) are the ones Debezium reads. MariaDB has no Executed_Gtid_Set column
 * and no gtid_mode variable, so Debezium runs without GTIDs (file/position only); nothing else changes.
 */
public final class MariaDbCompatDriver implements Driver {
  static final String PREFIX = "jdbc:seam-mariadb:";
  private static final String TARGET = "jdbc:mysql:";

  static {
    try {
      DriverManager.registerDriver(new MariaDbCompatDriver());
    } catch (SQLException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final Driver delegate = new com.mysql.cj.jdbc.Driver();

  public MariaDbCompatDriver() throws SQLException {}

  static String rewrite(String sql) {
    return sql != null && sql.trim().equalsIgnoreCase("SHOW BINARY LOG STATUS") ? "SHOW MASTER STATUS" : sql;
  }

  @Override
  public Connection connect(String url, Properties info) throws SQLException {
    if (!acceptsURL(url)) return null;
    Connection c = delegate.connect(TARGET + url.substring(PREFIX.length()), info);
    return c == null ? null : wrap(Connection.class, c);
  }

  /** A proxy of `target` that rewrites SQL arguments and wraps the statements it creates. */
  @SuppressWarnings("unchecked")
  private static <T> T wrap(Class<T> type, T target) {
    InvocationHandler handler = (proxy, method, args) -> {
      Object[] a = args;
      if (a != null && a.length > 0 && a[0] instanceof String s) {
        a = a.clone();
        a[0] = rewrite(s);
      }
      Object result;
      try {
        result = method.invoke(target, a);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
      return wrapResult(method, result);
    };
    return (T) Proxy.newProxyInstance(MariaDbCompatDriver.class.getClassLoader(), new Class<?>[] {type}, handler);
  }

  @SuppressWarnings("unchecked")
  private static Object wrapResult(Method method, Object result) {
    Class<?> r = method.getReturnType();
    if (result == null || !Statement.class.isAssignableFrom(r)) return result;
    return wrap((Class<Object>) r, result);
  }

  @Override
  public boolean acceptsURL(String url) {
    return url != null && url.startsWith(PREFIX);
  }

  @Override
  public DriverPropertyInfo[] getPropertyInfo(String url, Properties info) throws SQLException {
    return delegate.getPropertyInfo(TARGET + url.substring(PREFIX.length()), info);
  }

  @Override
  public int getMajorVersion() {
    return delegate.getMajorVersion();
  }

  @Override
  public int getMinorVersion() {
    return delegate.getMinorVersion();
  }

  @Override
  public boolean jdbcCompliant() {
    return false;
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    return delegate.getParentLogger();
  }
}
