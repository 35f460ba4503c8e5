"""A confluent-kafka-python user's round trip through Sluice's embedded Schema
Registry: confluent_kafka.avro's AvroProducer registers key and value schemas and
writes framed records; Sluice infers the stream's key and value columns from the
registry, aggregates per site into an AVRO table, and an AvroConsumer decodes the
table with the schemas Sluice registered. Statements go over the Postgres wire with
psycopg2. Prints one line per check; the Go test compares them.

Usage: schema_registry_confluent.py KAFKA_ADDR REGISTRY_URL PG_ADDR
"""
import sys
import time

import psycopg2
from confluent_kafka import avro
from confluent_kafka.admin import AdminClient, NewTopic
from confluent_kafka.avro import AvroConsumer, AvroProducer

kafka_addr, registry_url, pg_addr = sys.argv[1:4]

VALUE_SCHEMA = avro.loads("""{
  "type": "record", "name": "Reading", "namespace": "telemetry",
  "fields": [
    {"name": "site", "type": "string"},
    {"name": "celsius", "type": "double"},
    {"name": "note", "type": ["null", "string"], "default": null}
  ]
}""")
KEY_SCHEMA = avro.loads('"string"')

sites = ["harbour", "mill", "quarry"]


def produce():
    admin = AdminClient({"bootstrap.servers": kafka_addr})
    for f in admin.create_topics([NewTopic("readings", num_partitions=2, replication_factor=1)]).values():
        f.result()
    producer = AvroProducer(
        {"bootstrap.servers": kafka_addr, "schema.registry.url": registry_url},
        default_key_schema=KEY_SCHEMA, default_value_schema=VALUE_SCHEMA)
    want = {}
    for i in range(45):
        site = sites[i % 3]
        reading = {"site": site, "celsius": i * 0.5, "note": None if i % 2 else "n%d" % i}
        producer.produce(topic="readings", key="sensor-%d" % (i % 5), value=reading)
        count, top = want.get(site, (0, None))
        want[site] = (count + 1, reading["celsius"] if top is None else max(top, reading["celsius"]))
    if producer.flush(30) != 0:
        raise SystemExit("records left unsent")
    return want


def consume(topic, enough):
    consumer = AvroConsumer({
        "bootstrap.servers": kafka_addr, "schema.registry.url": registry_url,
        "group.id": "check-%s-%d" % (topic, time.time_ns()), "auto.offset.reset": "earliest",
    })
    consumer.subscribe([topic])
    last = {}
    deadline = time.time() + 60
    try:
        while not enough(last):
            if time.time() > deadline:
                raise SystemExit("%s: %d keys after 60 s: %r" % (topic, len(last), last))
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            if msg.error():
                raise SystemExit("consume %s: %s" % (topic, msg.error()))
            last[msg.key()] = msg.value()
    finally:
        consumer.close()
    return last


def main():
    want = produce()
    host, port = pg_addr.split(":")
    conn = psycopg2.connect(host=host, port=port, user="sluice", dbname="sluice")
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("SET 'auto.offset.reset' = 'earliest'")
    cur.execute("CREATE STREAM readings WITH (KAFKA_TOPIC='readings', FORMAT='AVRO')")
    cur.execute("SELECT column_name, data_type FROM information_schema.columns"
                " WHERE table_name = 'readings' ORDER BY ordinal_position")
    print("inferred", " ".join("%s:%s" % r for r in cur.fetchall()))
    cur.execute("""CREATE TABLE site_stats WITH (KAFKA_TOPIC='site_stats', FORMAT='AVRO') AS
        SELECT site, COUNT(*) AS readings, MAX(celsius) AS warmest, COUNT(note) AS notes
        FROM readings GROUP BY site EMIT CHANGES""")
    total = sum(n for n, _ in want.values())
    last = consume("site_stats", lambda last: sum(v["READINGS"] for v in last.values() if v) == total)
    print("table", " ".join("%s=%d/%.1f/%d" % (k, v["READINGS"], v["WARMEST"], v["NOTES"]) for k, v in sorted(last.items())))
    print("table matches what was produced",
          all(want[k] == (v["READINGS"], v["WARMEST"]) for k, v in last.items()) and len(last) == len(want))
    cur.execute("SELECT rowkey, site, celsius FROM readings WHERE note IS NULL ORDER BY celsius DESC LIMIT 2")
    print("stream", " ".join("%s/%s/%.1f" % r for r in cur.fetchall()))
    conn.close()


main()
