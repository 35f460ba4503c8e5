"""pgcli's completion and special commands, run without a terminal.

pgcli fills its completer with PGExecute's catalog queries (schemata, tables,
views, columns, functions, datatypes, foreign keys, databases, search_path);
this calls the same methods, then runs a query and \\dt through PGExecute.run
as the prompt would. Prints one line per check; the Go test compares the
output. Usage: python3 pgcli_client.py <host> <port>
"""
import sys

from pgcli.pgexecute import PGExecute
from pgspecial.main import PGSpecial

host, port = sys.argv[1], sys.argv[2]
e = PGExecute(database="sluice", user="alice", password=None, host=host, port=port, dsn=None)
print("search_path", e.search_path())
print("schemata", sorted(e.schemata()))
# Sluice's own relations are in public; the catalog's are printed by count.
print("tables", sorted(t for s, t in e.tables() if s == "public"))
print("catalog tables", len([t for s, t in e.tables() if s == "pg_catalog"]) > 40)
print("views", sorted(t for s, t in e.views() if s == "pg_catalog" and t == "pg_cursors"))
print("columns", sorted((t, c, ty) for s, t, c, ty, *_ in e.table_columns() if s == "public"))
# pg_proc lists PostgreSQL's built-ins that Sluice implements; pgcli
# completes their names and shows their signatures.
functions = list(e.functions())
print("functions", len(functions) > 100)
print("lpad", sorted((f.schema_name, tuple(f.arg_types), f.return_type, f.is_aggregate) for f in functions if f.func_name == "lpad"))
print("percentile_cont", sorted((tuple(f.arg_types), f.return_type, f.is_aggregate) for f in functions if f.func_name == "percentile_cont"))
print("datatypes", sorted(e.datatypes()))
print("foreignkeys", list(e.foreignkeys()))
print("databases", e.databases())
for title, rows, headers, status, sql, success, is_special in e.run(
    "SELECT id, customer FROM orders EMIT CHANGES LIMIT 2; \\dt", pgspecial=PGSpecial()
):
    print("run", success, is_special, headers, list(rows) if rows is not None else None, status)
