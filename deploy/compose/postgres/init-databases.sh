#!/bin/sh
# First start of the PostgreSQL container (docker-entrypoint-initdb.d): one database per service, owned by a
# login role of the same name whose password is <SERVICE>_DB_PASSWORD. Services never share a database.
set -eu

for name in ${DATABASES:-gateway employee appraisal mutation training}; do
    variable="$(echo "$name" | tr '[:lower:]' '[:upper:]')_DB_PASSWORD"
    password="$(printenv "$variable" || true)"
    if [ -z "$password" ]; then
        echo "init-databases: $variable is not set" >&2
        exit 1
    fi
    psql --no-psqlrc -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname postgres \
        -v name="$name" -v password="$password" <<'SQL'
CREATE ROLE :"name" LOGIN PASSWORD :'password';
CREATE DATABASE :"name" OWNER :"name";
REVOKE ALL ON DATABASE :"name" FROM PUBLIC;
SQL
    echo "init-databases: created database and role $name"
done
