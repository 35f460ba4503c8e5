"""The psycopg2 and SQLAlchemy steps of the client matrix.

Prints one line per check; the Go test compares the output.
Usage: python3 python_client.py <host> <port>
"""
import sys

import psycopg2
from sqlalchemy import create_engine, inspect, text

host, port = sys.argv[1], int(sys.argv[2])

conn = psycopg2.connect(host=host, port=port, user="alice", dbname="sluice")
cur = conn.cursor()
# psycopg2 interpolates parameters client-side inside BEGIN ... COMMIT.
cur.execute("SELECT id, customer, amount FROM orders WHERE id = %s AND customer = %s EMIT CHANGES LIMIT 1", (1, "ann"))
print("row", cur.fetchall())
conn.commit()
cur.execute("SELECT relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND relname LIKE %s ORDER BY 1", ("public", "ord%"))
print("catalog", cur.fetchall())
conn.rollback()
# A named cursor is DECLARE ... CURSOR + FETCH FORWARD itersize: it streams a push
# query without LIMIT, and closing it ends the query.
named = conn.cursor(name="stream")
named.itersize = 1
named.execute("SELECT id, customer FROM orders EMIT CHANGES")
for i, row in enumerate(named):
    print("named", row)
    if i == 1:
        break
named.close()
conn.rollback()
cur = conn.cursor()
cur.execute("SELECT 1")
print("after cursor", cur.fetchall())
conn.close()

engine = create_engine(f"postgresql+psycopg2://alice@{host}:{port}/sluice")
insp = inspect(engine)
print("schemas", insp.get_schema_names())
print("tables", [t for t in insp.get_table_names() if t in ("orders", "clicks")])
print("has_table", insp.has_table("orders"), insp.has_table("nope"))
print("columns", [(c["name"], str(c["type"]), c["nullable"]) for c in insp.get_columns("orders")])
print("pk", insp.get_pk_constraint("orders"))
print("indexes", insp.get_indexes("orders"), "fks", insp.get_foreign_keys("orders"))
print("comment", insp.get_table_comment("orders")["text"])
with engine.connect() as c:
    print("version", c.execute(text("select version()")).scalar().split(" on ")[0])
    r = c.execute(text("SELECT id, customer FROM orders WHERE id = :id EMIT CHANGES LIMIT 1"), {"id": 2})
    print("sqlalchemy row", r.fetchall())
