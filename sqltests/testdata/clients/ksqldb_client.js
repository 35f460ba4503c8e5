// Drives Sluice's ksqlDB REST API with the npm package ksqldb-client (HTTP/2
// cleartext): statements, listing streams, inserts, a pull query and a push
// query closed from the client. Prints one line per check; the Go test compares.
const KsqldbClient = require("ksqldb-client");

async function main() {
  const [host, port] = process.argv[2].split(":");
  const client = new KsqldbClient({ host: "http://" + host, port: Number(port) });
  await client.connect();
  const created = await client.executeStatement(
    "CREATE STREAM riders (id INT KEY, name STRING, km DOUBLE) WITH (KAFKA_TOPIC='riders', VALUE_FORMAT='JSON', PARTITIONS=1);");
  console.log("created", created.status, created.data.rows[0]["@type"], created.data.rows[0].commandStatus.status);
  const streams = await client.listStreams();
  console.log("streams", streams.map((s) => s.name).filter((n) => n === "RIDERS").join(","));
  for (const row of [{ ID: 1, NAME: "ann", KM: 2.5 }, { ID: 2, NAME: "bob", KM: 4 }]) {
    const ins = await client.insertInto("RIDERS", row);
    console.log("insert", ins.status, ins.error === undefined ? "ok" : JSON.stringify(ins.error));
  }
  const pull = await client.query("SELECT name, km FROM riders;", { properties: { "auto.offset.reset": "earliest" } });
  console.log("pull", pull.status, pull.data.metadata.columnNames.join(","), pull.data.rows.map((r) => r.NAME + ":" + r.KM).join(" "));
  const bad = await client.executeStatement("DROP STREAM no_such_stream;");
  console.log("error", bad.status, bad.error && bad.error["@type"], bad.error && bad.error.error_code);
  let seen = 0;
  let closing = null;
  const push = await client.streamQuery("SELECT name FROM riders EMIT CHANGES;", (data) => {
    const { metadata, rows } = data;
    seen += (rows || []).length; // the header chunk comes without rows
    if (seen >= 2 && closing === null) {
      closing = client.terminatePushQuery(metadata.queryId);
    }
  }, { properties: { "auto.offset.reset": "earliest" } });
  const closed = await closing;
  console.log("push", push.status, seen, closed && closed.error === undefined ? "closed" : JSON.stringify(closed));
  await client.disconnect();
}

main().catch((err) => { console.error(err); process.exit(1); });
