// The postgres.js steps of the client matrix. postgres.js prepares every
// statement (Parse, Describe statement, Bind, Execute) and types its parameters
// from ParameterDescription; .cursor() reads a portal a few rows at a time
// (Execute with a row limit). Prints one line per check; the Go test compares
// the output. Usage: node postgresjs_client.js <connection string>
const postgres = require('postgres');

async function main() {
  const sql = postgres(process.argv[2], { max: 1, onnotice: () => {} });
  // A push query, labelled as Postgres labels (lower case).
  let r = await sql`SELECT id, customer, amount FROM orders EMIT CHANGES LIMIT 1`;
  console.log('row', r[0].id, r[0].customer, r[0].amount, r.columns.map((c) => c.name + ':' + c.type).join(','));
  // A Postgres-path query: labels as Postgres gives them (lower case unless
  // quoted), parameter types inferred from their use.
  r = await sql`SELECT g AS n, g * ${2} AS "Twice", 'x' || g AS label FROM generate_series(1, ${3}) g ORDER BY 1`;
  console.log('labels', r.columns.map((c) => c.name + ':' + c.type).join(','), JSON.stringify(r));
  // .cursor(n): batches of n rows from one portal.
  const batches = [];
  await sql`SELECT g FROM generate_series(1, ${5}) g`.cursor(2, (rows) => {
    batches.push(rows.map((x) => x.g));
  });
  console.log('cursor', JSON.stringify(batches));
  const pushed = [];
  await sql`SELECT customer FROM orders EMIT CHANGES LIMIT 2`.cursor(1, (rows) => {
    pushed.push(rows[0].customer);
  });
  console.log('push cursor', JSON.stringify(pushed));
  r = await sql`SELECT relname, relkind FROM pg_catalog.pg_class WHERE relname = ${'orders'}`;
  console.log('catalog', r[0].relname, r[0].relkind);
  // An error answers (postgres.js sends Flush, not Sync, before it waits), and
  // the connection serves the next statement.
  try {
    await sql`SELECT * FROM no_such_table WHERE x = ${1}`;
  } catch (e) {
    console.log('error', e.code);
  }
  r = await sql`SELECT count(*) AS n FROM generate_series(1, 10) g WHERE g > ${4}`;
  console.log('after error', r[0].n);
  await sql.end();
}

main().catch((e) => { console.error(e); process.exit(1); });
