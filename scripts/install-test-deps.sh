#!/usr/bin/env bash
# Installs the outside tools the test suite drives: kcat and psql (the quickstart test
# uses them as a newcomer would), PostgreSQL 15 (internal/pgoracle: the comparison
# oracle and the JDBC sink connector's target), plus the Postgres client libraries that the client
# compatibility tests use (psycopg2, psycopg 3, pandas, SQLAlchemy, pgjdbc, node-pg, and
# ODBC: unixODBC's isql, psqlODBC, pyodbc).
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

# node-pg goes into a repo-local, git-ignored folder so no global state is touched.
# Tests find it with NODE_PATH=scripts/.node/node_modules.
if command -v npm >/dev/null 2>&1; then
	if [ ! -f "$here/.node/node_modules/pg/package.json" ]; then
		echo "install-test-deps: installing npm package pg into scripts/.node"
		mkdir -p "$here/.node"
		npm install --silent --no-audit --no-fund --prefix "$here/.node" pg >/dev/null
	else
		echo "install-test-deps: npm pg present"
	fi
	# postgres.js and knex (over pg, streaming through pg-query-stream) are in the
	# Postgres client matrix (pgclients/node_test.go).
	declare -A majors=([postgres]=3 [knex]=3 [pg-query-stream]=4)
	for pkg in postgres knex pg-query-stream; do
		if [ ! -f "$here/.node/node_modules/$pkg/package.json" ]; then
			echo "install-test-deps: installing npm package $pkg into scripts/.node"
			mkdir -p "$here/.node"
			npm install --silent --no-audit --no-fund --prefix "$here/.node" "$pkg@${majors[$pkg]}" >/dev/null
		else
			echo "install-test-deps: npm $pkg present"
		fi
	done
	# ksqldb-client drives the ksqlDB REST API test (sqltests/ksqldb_client_test.go).
	if [ ! -f "$here/.node/node_modules/ksqldb-client/package.json" ]; then
		echo "install-test-deps: installing npm package ksqldb-client into scripts/.node"
		mkdir -p "$here/.node"
		npm install --silent --no-audit --no-fund --prefix "$here/.node" ksqldb-client@1.0.5 >/dev/null
	else
		echo "install-test-deps: npm ksqldb-client present"
	fi
	# playwright-core drives Debian's Chromium for the console's browser test
	# (sqltests/console_browser_test.go); it downloads no browser of its own.
	if [ ! -f "$here/.node/node_modules/playwright-core/package.json" ]; then
		echo "install-test-deps: installing npm package playwright-core into scripts/.node"
		mkdir -p "$here/.node"
		npm install --silent --no-audit --no-fund --prefix "$here/.node" playwright-core@1 >/dev/null
	else
		echo "install-test-deps: npm playwright-core present"
	fi
else
	echo "install-test-deps: npm not found, skipping node-pg" >&2
fi
