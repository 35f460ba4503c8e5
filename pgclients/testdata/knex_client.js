// The knex steps of the client matrix (knex over node-pg). knex writes ?
// bindings as $n, quotes every identifier and qualifies names with their
// schema; its schema inspection reads information_schema; .stream() reads
// through pg-query-stream (a portal read with Execute row limits). Prints one
// line per check; the Go test compares the output.
// Usage: node knex_client.js <connection string>
const knex = require('knex')({ client: 'pg', connection: process.argv[2], pool: { min: 1, max: 1 } });

async function main() {
  // knex.raw with ? bindings; node-pg sends them untyped (text), so the bigint
  // comparison casts, as in node_client.js.
  let r = await knex.raw('SELECT id, customer FROM orders WHERE id = CAST(? AS BIGINT) EMIT CHANGES LIMIT 1', [2]);
  console.log('raw', r.rows[0].id, r.rows[0].customer, r.fields.map((f) => f.name).join(','));
  // The query builder: "pg_catalog"."pg_class", quoted columns, a bound value.
  r = await knex.select('relname', 'relkind').from('pg_catalog.pg_class').where('relname', 'orders');
  console.log('builder', JSON.stringify(r));
  r = await knex
    .select(knex.raw('g AS n'), knex.raw('? || g AS "Label"', ['row ']))
    .from(knex.raw('generate_series(1, 5) AS g'))
    .where('g', '>', 2)
    .orderBy('g', 'desc')
    .limit(2);
  console.log('series', JSON.stringify(r));
  console.log('hasTable', await knex.schema.hasTable('orders'), await knex.schema.hasTable('missing'));
  const info = await knex('orders').columnInfo();
  console.log('columnInfo', Object.keys(info).join(','), info.id.type, info.customer.type, info.amount.type);
  // .stream(): rows arrive as the portal is read in batches.
  const streamed = [];
  for await (const row of knex.select(knex.raw('g')).from(knex.raw('generate_series(1, 4) AS g')).stream()) {
    streamed.push(row.g);
  }
  console.log('stream', JSON.stringify(streamed));
  const pushed = [];
  for await (const row of knex.raw('SELECT customer FROM orders EMIT CHANGES LIMIT 2').stream()) {
    pushed.push(row.customer);
  }
  console.log('push stream', JSON.stringify(pushed));
  // An error in a stream answers instead of hanging, and the pool's
  // connection serves the next query.
  try {
    for await (const row of knex.select('*').from('no_such_table').stream()) {
      console.log('unexpected', row);
    }
  } catch (e) {
    console.log('stream error', e.code);
  }
  r = await knex.raw('SELECT count(*) AS n FROM generate_series(1, 10) AS g WHERE g > ?', [7]);
  console.log('after error', r.rows[0].n);
  await knex.destroy();
}

main().catch((e) => { console.error(e); process.exit(1); });
