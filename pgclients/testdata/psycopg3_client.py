"""The psycopg 3 and pandas steps of the client matrix.

psycopg 3 binds parameters on the server (extended protocol) and can ask for
binary results; it reads COPY TO STDOUT in text and binary, and its named
cursors are server-side cursors. Prints one line per check; the Go test
compares the output. Usage: python3 psycopg3_client.py <host> <port>
"""
import sys
import warnings

import pandas as pd
import psycopg

host, port = sys.argv[1], int(sys.argv[2])
conn = psycopg.connect(host=host, port=port, user="alice", dbname="sluice", autocommit=True)

# Server-side parameters: $1 and $2 with the types psycopg infers (int8, text).
cur = conn.cursor()
cur.execute("SELECT id, customer, amount FROM orders WHERE id = %s AND customer = %s EMIT CHANGES LIMIT 1", (1, "ann"))
print("row", cur.fetchall())
print("types", [d.type_code for d in cur.description])

# Binary results: every column decoded from its binary form.
bcur = conn.cursor(binary=True)
bcur.execute("SELECT id, customer, amount, ts FROM orders EMIT CHANGES LIMIT 2")
print("binary", bcur.fetchall())

# COPY in text and in binary, rows typed by the client.
with cur.copy("COPY (SELECT id, customer, amount FROM orders EMIT CHANGES LIMIT 2) TO STDOUT") as copy:
    copy.set_types(["int8", "text", "numeric"])
    print("copy text", list(copy.rows()))
with cur.copy("COPY (SELECT id, customer, amount FROM orders EMIT CHANGES LIMIT 2) TO STDOUT (FORMAT BINARY)") as copy:
    copy.set_types(["int8", "text", "numeric"])
    print("copy binary", list(copy.rows()))
with cur.copy("COPY (SELECT id, customer FROM orders EMIT CHANGES LIMIT 2) TO STDOUT WITH (FORMAT csv, HEADER)") as copy:
    print("copy csv", b"".join(bytes(b) for b in copy).decode())

# pandas over a DBAPI connection (it warns that it prefers SQLAlchemy).
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    df = pd.read_sql("SELECT id, customer, amount FROM orders EMIT CHANGES LIMIT 2", conn)
print("pandas", list(df.columns), df.shape, df["AMOUNT" if "AMOUNT" in df.columns else "amount"].sum())
# Named (server-side) cursors: psycopg sends DECLARE through the extended
# protocol with the parameters bound, describes the cursor as a portal, and
# reads FETCH FORWARD itersize at a time, inside the transaction it opened.
tconn = psycopg.connect(host=host, port=port, user="alice", dbname="sluice")
with tconn.cursor(name="push_cur") as nc:
    nc.itersize = 1
    nc.execute("SELECT id, customer FROM orders WHERE id >= %s EMIT CHANGES LIMIT 2", (1,))
    print("named push", [d.name for d in nc.description], list(nc))
with tconn.cursor(name="series") as nc:
    nc.itersize = 3
    nc.execute("SELECT g, g * %s AS scaled FROM generate_series(1, %s) g", (10, 7))
    first = nc.fetchone()
    nc.scroll(2)  # MOVE 2
    rest = nc.fetchmany(2)
    # The cursor's query runs beside the session: other statements still work.
    open_cursors = tconn.execute("SELECT name, is_holdable FROM pg_cursors ORDER BY name").fetchall()
    print("named series", first, rest, list(nc), open_cursors)
tconn.commit()
# WITH HOLD: the cursor outlives the commit that ends its transaction.
with tconn.cursor(name="held", withhold=True) as hc:
    hc.execute("SELECT g FROM generate_series(1, 3) g")
    tconn.commit()
    print("held", hc.fetchall(), tconn.execute("SELECT count(*) FROM pg_cursors").fetchone())
tconn.commit()
# binary=True: FETCH asks for binary results.
with tconn.cursor(name="bin", binary=True) as bc:
    bc.execute("SELECT id, amount, ts FROM orders EMIT CHANGES LIMIT 1")
    print("named binary", bc.fetchall())
tconn.rollback()
tconn.close()
conn.close()
