// The node-postgres steps of the client matrix. Prints one line per check; the Go
// test compares the output. Usage: node node_client.js <connection string>
const { Client } = require('pg');

async function main() {
  const c = new Client({ connectionString: process.argv[2] });
  await c.connect();
  // node-pg declares no parameter types and sends text; the KSQL engine does not
  // infer types from context yet, so the bigint comparison casts explicitly.
  let r = await c.query({
    name: 'by-customer',
    text: 'SELECT id, customer, amount FROM orders WHERE id = CAST($1 AS BIGINT) AND customer = $2 EMIT CHANGES LIMIT 1',
    values: [1, 'ann'],
  });
  console.log('row', r.rows[0].id, typeof r.rows[0].id, r.rows[0].customer, r.rows[0].amount);
  // A named statement run again is bound without a new Parse.
  r = await c.query({ name: 'by-customer', values: [2, 'bob'] });
  console.log('row', r.rows[0].id, r.rows[0].customer, r.rows[0].amount);
  r = await c.query('SELECT relname, relkind, relnatts FROM pg_catalog.pg_class WHERE relname = $1', ['orders']);
  console.log('catalog', r.rows[0].relname, r.rows[0].relkind, r.rows[0].relnatts, typeof r.rows[0].relnatts);
  r = await c.query("SELECT current_setting('server_version_num')::int AS v, current_schema() AS s");
  console.log('settings', r.rows[0].v, r.rows[0].s);
  await c.end();
}

main().catch((e) => { console.error(e); process.exit(1); });
