// A kafkajs user's round trip through Sluice's embedded Schema Registry, with
// @kafkajs/confluent-schema-registry doing every encode and decode:
//   - Avro: the client registers a schema and produces framed records; Sluice infers
//     the stream's columns from the registry, aggregates per district into an AVRO
//     table, and the client decodes the table's keys and values with the schemas
//     Sluice registered.
//   - Protobuf in, JSON_SR and PROTOBUF out: the same with a Protobuf schema, a
//     filter and projection, written once as JSON_SR and once as PROTOBUF.
// Statements go over the Postgres wire with node-pg. Prints one line per check; the
// Go test compares them.
const { Kafka, logLevel } = require("kafkajs");
const { SchemaRegistry, SchemaType } = require("@kafkajs/confluent-schema-registry");
const { Client } = require("pg");

const [kafkaAddr, registryURL, pgAddr] = process.argv.slice(2);
// The JSON schemas ksqlDB derives (and Sluice, alike) carry Kafka Connect's
// keywords (connect.index, connect.type), which Ajv's strict mode refuses.
const registry = new SchemaRegistry({ host: registryURL }, { [SchemaType.JSON]: { strict: false } });
const kafka = new Kafka({ brokers: [kafkaAddr], clientId: "kafkajs-sr-test", logLevel: logLevel.NOTHING });

const districts = ["north", "south", "east"];
const riders = ["ann", "bob", "cy", "dee"];

async function produce(topic, records) {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, messages: records });
  await producer.disconnect();
}

// consume reads topic from the start until done(records) holds, decoding keys and
// values through the registry (null for a key or value that is absent).
async function consume(topic, done, decodeKey) {
  const consumer = kafka.consumer({ groupId: "check-" + topic + "-" + Date.now() });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen = [];
  let resolve;
  const finished = new Promise((r) => { resolve = r; });
  let failure = null;
  await consumer.run({
    eachMessage: async ({ message }) => {
      try {
        const key = decodeKey && message.key ? await registry.decode(message.key) : null;
        const value = message.value ? await registry.decode(message.value) : null;
        seen.push({ key, value });
        if (done(seen)) resolve();
      } catch (err) {
        failure = err;
        resolve();
      }
    },
  });
  const timeout = setTimeout(() => { failure = new Error(`${topic}: ${seen.length} records after 60 s`); resolve(); }, 60000);
  await finished;
  clearTimeout(timeout);
  await consumer.disconnect();
  if (failure) throw failure;
  return seen;
}

async function avro(sql) {
  const schema = {
    type: "record", name: "Payment", namespace: "delivery",
    fields: [
      { name: "district", type: "string" },
      { name: "rider", type: "string" },
      { name: "amount", type: "int" },
    ],
  };
  const { id } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject: "payments-value" });
  console.log("avro registered", id > 0);
  const want = {};
  const records = [];
  for (let i = 0; i < 60; i++) {
    const p = { district: districts[i % 3], rider: riders[i % 4], amount: i + 1 };
    want[p.district] = want[p.district] || { n: 0, total: 0 };
    want[p.district].n++;
    want[p.district].total += p.amount;
    records.push({ key: p.rider, value: await registry.encode(id, p) });
  }
  await produce("payments", records);

  await sql.query("CREATE STREAM payments WITH (KAFKA_TOPIC='payments', VALUE_FORMAT='AVRO')");
  const described = await sql.query("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'payments' ORDER BY ordinal_position");
  console.log("avro inferred", described.rows.map((r) => `${r.column_name}:${r.data_type}`).join(" "));
  await sql.query(`CREATE TABLE district_totals WITH (KAFKA_TOPIC='district_totals', FORMAT='AVRO') AS
    SELECT district, COUNT(*) AS n, SUM(amount) AS total FROM payments GROUP BY district EMIT CHANGES`);

  // Updates arrive per district; the last one for each carries the final count.
  const expected = 60;
  const last = {};
  await consume("district_totals", (seen) => {
    for (const { key, value } of seen) last[JSON.stringify(key)] = value;
    return Object.values(last).reduce((s, v) => s + (v ? v.N : 0), 0) === expected;
  }, true);
  const lines = Object.entries(last).map(([k, v]) => `${JSON.parse(k)}=${v.N}/${v.TOTAL}`).sort();
  console.log("avro table", lines.join(" "));
  const ok = Object.entries(last).every(([k, v]) => want[JSON.parse(k)].n === v.N && want[JSON.parse(k)].total === v.TOTAL);
  console.log("avro table matches what was produced", ok);

  const subject = await registry.getLatestSchemaId("district_totals-value");
  const pulled = await sql.query("SELECT district, n, total FROM district_totals ORDER BY district");
  console.log("avro pull", pulled.rows.map((r) => `${r.district}=${r.n}/${r.total}`).join(" "), subject > id);
}

async function jsonSchema(sql) {
  const schema = {
    type: "object",
    properties: {
      parcel: { type: "string" },
      weight: { type: "integer" },
      tags: { type: "array", items: { type: "string" } },
    },
    required: ["parcel", "weight"],
  };
  const { id } = await registry.register({ type: SchemaType.JSON, schema: JSON.stringify(schema) }, { subject: "scans-value" });
  const records = [];
  for (let i = 0; i < 20; i++) {
    records.push({ value: await registry.encode(id, { parcel: `p${i}`, weight: i, tags: i % 2 ? ["fragile"] : [] }) });
  }
  await produce("scans", records);
  await sql.query("CREATE STREAM scans WITH (KAFKA_TOPIC='scans', VALUE_FORMAT='JSON_SR')");
  for (const [topic, format] of [["heavy_json", "JSON_SR"], ["heavy_proto", "PROTOBUF"], ["heavy_avro", "AVRO"]]) {
    await sql.query(`CREATE STREAM ${topic} WITH (KAFKA_TOPIC='${topic}', VALUE_FORMAT='${format}') AS
      SELECT parcel, weight * 2 AS double_weight, ARRAY_LENGTH(tags) AS tag_count FROM scans WHERE weight >= 15 EMIT CHANGES`);
    const seen = await consume(topic, (s) => s.length >= 5, false);
    const lines = seen.map(({ value }) => `${value.PARCEL}:${value.DOUBLE_WEIGHT}:${value.TAG_COUNT}`).sort();
    console.log(topic, lines.join(" "));
  }
}

// kafkajs' Protobuf encoder leaves out the message indexes Confluent's framing puts
// after the schema id (its issue 152), so ksqlDB, Confluent's deserializers and
// Sluice cannot read what it writes: Sluice says so in the processing log.
async function protobufWithoutIndexes(sql) {
  const schema = 'syntax = "proto3";\npackage depot;\n\nmessage Label {\n  string parcel = 1;\n  int32 copies = 2;\n}\n';
  const { id } = await registry.register({ type: SchemaType.PROTOBUF, schema }, { subject: "labels-value" });
  await produce("labels", [{ value: await registry.encode(id, { parcel: "p1", copies: 2 }) }]);
  await sql.query("CREATE STREAM labels WITH (KAFKA_TOPIC='labels', VALUE_FORMAT='PROTOBUF')");
  await sql.query("CREATE STREAM labels_copy AS SELECT * FROM labels EMIT CHANGES");
  for (let i = 0; i < 300; i++) {
    const res = await sql.query("SELECT message FROM ksql_processing_log");
    const entry = res.rows.map((r) => (typeof r.message === "string" ? JSON.parse(r.message) : r.message))
      .find((m) => m.DESERIALIZATIONERROR && m.DESERIALIZATIONERROR.topic === "labels");
    if (entry) {
      console.log("protobuf without indexes logged:", entry.DESERIALIZATIONERROR.ERRORMESSAGE);
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("no processing-log entry for the labels topic after 30 s");
}

async function main() {
  const [host, port] = pgAddr.split(":");
  const sql = new Client({ host, port: Number(port), user: "sluice", database: "sluice" });
  await sql.connect();
  await sql.query("SET 'auto.offset.reset' = 'earliest'");
  try {
    await avro(sql);
    await jsonSchema(sql);
    await protobufWithoutIndexes(sql);
  } finally {
    await sql.end();
  }
}

main().catch((err) => { console.error(err); process.exit(1); });
