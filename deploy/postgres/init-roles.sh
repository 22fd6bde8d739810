#!/bin/sh
# Run by the postgres image once, when it initialises an empty data directory: creates the portal's
# owner and application roles in POSTGRES_DB (deploy/postgres/roles.sql).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v db="$POSTGRES_DB" \
  -v owner="$PORTAL_OWNER_USER" -v owner_password="$PORTAL_OWNER_PASSWORD" \
  -v app="$PORTAL_APP_USER" -v app_password="$PORTAL_APP_PASSWORD" \
  -f /portal/roles.sql
