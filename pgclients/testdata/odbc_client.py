"""The ODBC steps of the client matrix: pyodbc through unixODBC and psqlODBC
(Debian's "PostgreSQL Unicode" driver), the path Tableau, Power BI and Excel
take. Prints one line per check; the Go test compares the output.
Usage: python3 odbc_client.py <host> <port>
"""
import sys

import pyodbc

host, port = sys.argv[1], sys.argv[2]
conn = pyodbc.connect(
    f"Driver={{PostgreSQL Unicode}};Server={host};Port={port};Database=sluice;Uid=alice;Pwd=unused;",
    autocommit=True)
cur = conn.cursor()
cur.execute("SET 'auto.offset.reset'='earliest'")
cur.execute("SELECT id, customer, amount FROM orders EMIT CHANGES LIMIT 2")
print("rows", [tuple(r) for r in cur.fetchall()])
# The catalog calls (SQLTables, SQLColumns, SQLPrimaryKeys, SQLStatistics),
# each answered by the catalog SQL psqlODBC sends.
print("tables", sorted(r.table_name for r in cur.tables(tableType="TABLE")))
print("columns", [(r.column_name, r.type_name, r.nullable) for r in cur.columns(table="orders")])
print("primary key", [(r.column_name, r.key_seq, r.pk_name) for r in cur.primaryKeys(table="orders")])
print("statistics", [(r.index_name, r.non_unique, r.column_name) for r in cur.statistics(table="orders")])
conn.close()
