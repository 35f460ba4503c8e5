#!/usr/bin/env bash
# Installs the outside tools the test suite drives: kcat and psql (the quickstart test
# uses them as a newcomer would), PostgreSQL 15 (internal/pgoracle: the comparison
# oracle and the JDBC sink connector's target), plus the Postgres client libraries that the client
# compatibility tests use (psycopg2, psycopg 3, pandas, SQLAlchemy, pgjdbc, node-pg, and
# ODBC: unixODBC's isql, psqlODBC, pyodbc), and the Kafka clients with Schema Registry
# support that the format tests use (confluent-kafka-python, kafkajs).
#
# Idempotent: when everything is present it changes nothing and touches no network;
# `apt-get update` runs only when a Debian package is missing.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# Debian packages, each paired with a file that proves it is installed. Checking a
# file rather than dpkg keeps this working where a tool came from elsewhere.
declare -A probe=(
	[kcat]=/usr/bin/kcat
	[postgresql-client]=/usr/bin/psql
	[postgresql-15]=/usr/lib/postgresql/15/bin/initdb
	[python3-psycopg2]=/usr/lib/python3/dist-packages/psycopg2/__init__.py
	[python3-sqlalchemy]=/usr/lib/python3/dist-packages/sqlalchemy/__init__.py
	[python3-psycopg]=/usr/lib/python3/dist-packages/psycopg/__init__.py
	[python3-pandas]=/usr/lib/python3/dist-packages/pandas/__init__.py
	[unixodbc]=/usr/bin/isql
	[odbc-postgresql]=/usr/lib/x86_64-linux-gnu/odbc/psqlodbcw.so
	[python3-pyodbc]=/usr/share/doc/python3-pyodbc/copyright
	[python3-confluent-kafka]=/usr/lib/python3/dist-packages/confluent_kafka/avro/__init__.py
	[python3-avro]=/usr/lib/python3/dist-packages/avro/__init__.py
	[python3-requests]=/usr/lib/python3/dist-packages/requests/__init__.py
	[libpostgresql-jdbc-java]=/usr/share/java/postgresql.jar
	[chromium]=/usr/bin/chromium
	[pgcli]=/usr/lib/python3/dist-packages/pgcli/pgexecute.py
)

missing=()
for pkg in "${!probe[@]}"; do
	[ -e "${probe[$pkg]}" ] || missing+=("$pkg")
done

if [ ${#missing[@]} -gt 0 ]; then
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	echo "install-test-deps: installing ${missing[*]}"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
	echo "install-test-deps: Debian packages present"
fi

# npm packages go into a repo-local, git-ignored folder so no global state is
# touched. Tests find them with NODE_PATH=scripts/.node/node_modules. Each is
# a package name and the version installed when it is missing:
#   pg: node-pg, the Node client tests (pgclients);
#   ksqldb-client: the ksqlDB REST API test (sqltests/ksqldb_client_test.go);
#   playwright-core: drives Debian's Chromium for the console's browser test
#     (sqltests/console_browser_test.go); it downloads no browser of its own;
#   kafkajs, @kafkajs/confluent-schema-registry: the Schema Registry client test
#     (sqltests/schemaregistry_test.go);
#   postgres, knex, pg-query-stream: postgres.js and knex (over pg, streaming
#     through pg-query-stream) in the Postgres client matrix (pgclients/node_test.go).
npm_packages=(
	"pg pg"
	"ksqldb-client ksqldb-client@1.0.5"
	"playwright-core playwright-core@1"
	"kafkajs kafkajs@2"
	"@kafkajs/confluent-schema-registry @kafkajs/confluent-schema-registry@3"
	"postgres postgres@3"
	"knex knex@3"
	"pg-query-stream pg-query-stream@4"
)
if command -v npm >/dev/null 2>&1; then
	for entry in "${npm_packages[@]}"; do
		read -r name spec <<<"$entry"
		if [ ! -f "$here/.node/node_modules/$name/package.json" ]; then
			echo "install-test-deps: installing npm package $spec into scripts/.node"
			mkdir -p "$here/.node"
			npm install --silent --no-audit --no-fund --prefix "$here/.node" "$spec" >/dev/null
		else
			echo "install-test-deps: npm $name present"
		fi
	done
else
	echo "install-test-deps: npm not found, skipping the npm packages" >&2
fi
