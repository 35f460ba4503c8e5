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
conn.close()
