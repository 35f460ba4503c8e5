import java.sql.*;

// The pgjdbc steps of the client matrix. Prints one line per check; the Go test
// compares the output. Usage: java ClientMatrix jdbc:postgresql://host:port/db user
public class ClientMatrix {
    public static void main(String[] args) throws Exception {
        try (Connection c = DriverManager.getConnection(args[0], args[1], "")) {
            DatabaseMetaData md = c.getMetaData();
            System.out.println("product " + md.getDatabaseProductName() + " " + md.getDatabaseMajorVersion());
            try (ResultSet rs = md.getSchemas()) {
                while (rs.next()) System.out.println("schema " + rs.getString("TABLE_SCHEM"));
            }
            try (ResultSet rs = md.getTables(null, "public", "%", new String[] {"TABLE"})) {
                while (rs.next()) System.out.println("table " + rs.getString("TABLE_NAME") + " " + rs.getString("TABLE_TYPE") + " " + rs.getString("REMARKS"));
            }
            try (ResultSet rs = md.getColumns(null, "public", "orders", "%")) {
                while (rs.next()) System.out.println("column " + rs.getString("COLUMN_NAME") + " " + rs.getString("TYPE_NAME") + " " + rs.getInt("DATA_TYPE") + " size=" + rs.getInt("COLUMN_SIZE") + " nullable=" + rs.getString("IS_NULLABLE") + " pos=" + rs.getInt("ORDINAL_POSITION"));
            }
            try (ResultSet rs = md.getPrimaryKeys(null, "public", "orders")) {
                while (rs.next()) System.out.println("pk " + rs.getString("COLUMN_NAME") + " " + rs.getInt("KEY_SEQ") + " " + rs.getString("PK_NAME"));
            }
            try (ResultSet rs = md.getIndexInfo(null, "public", "orders", false, false)) {
                while (rs.next()) System.out.println("index " + rs.getString("INDEX_NAME") + " " + rs.getString("COLUMN_NAME") + " unique=" + !rs.getBoolean("NON_UNIQUE"));
            }
            // The function browser's calls (DBeaver's too): pg_proc's built-ins,
            // with PostgreSQL's OIDs in SPECIFIC_NAME and their descriptions.
            try (ResultSet rs = md.getFunctions(null, "pg_catalog", "lpad")) {
                while (rs.next()) System.out.println("function " + rs.getString("FUNCTION_SCHEM") + " " + rs.getString("FUNCTION_NAME") + " " + rs.getInt("FUNCTION_TYPE") + " " + rs.getString("SPECIFIC_NAME") + " " + rs.getString("REMARKS"));
            }
            try (ResultSet rs = md.getFunctionColumns(null, "pg_catalog", "lpad", "%")) {
                while (rs.next()) System.out.println("function column " + rs.getString("SPECIFIC_NAME") + " " + rs.getString("COLUMN_NAME") + " " + rs.getInt("COLUMN_TYPE") + " " + rs.getInt("DATA_TYPE") + " " + rs.getString("TYPE_NAME") + " " + rs.getInt("ORDINAL_POSITION"));
            }
            try (ResultSet rs = md.getProcedures(null, "pg_catalog", "lpad")) {
                int n = 0;
                while (rs.next()) n++;
                System.out.println("procedures " + n);
            }
            try (Statement s = c.createStatement()) {
                s.execute("SET 'auto.offset.reset' = 'earliest'");
            }
            // Run it more times than prepareThreshold (5) so that the server-side named statement is used too.
            try (PreparedStatement ps = c.prepareStatement("SELECT id, customer, amount FROM orders WHERE id = ? AND customer = ? EMIT CHANGES LIMIT 1")) {
                for (int i = 0; i < 6; i++) {
                    ps.setLong(1, 2);
                    ps.setString(2, "bob");
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) if (i == 5) System.out.println("row " + rs.getLong(1) + " " + rs.getString(2) + " " + rs.getBigDecimal(3));
                    }
                }
            }
            // Fetch size inside a transaction: Execute(maxRows) and PortalSuspended,
            // so a push query without LIMIT streams batch by batch.
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.setFetchSize(1);
                try (ResultSet rs = s.executeQuery("SELECT id, customer FROM orders EMIT CHANGES")) {
                    for (int i = 0; i < 2 && rs.next(); i++) System.out.println("streamed " + rs.getLong(1) + " " + rs.getString(2));
                }
            }
            c.rollback();
            c.setAutoCommit(true);
            try (PreparedStatement ps = c.prepareStatement("SELECT relname FROM pg_catalog.pg_class WHERE relname = ? AND relkind = 'r'")) {
                ps.setString(1, "orders");
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) System.out.println("catalog " + rs.getString(1));
                }
            }
        }
    }
}
