"""The restore drill: dump a database with PostgreSQL 15's own pg_dump, restore the dump into a new
database with pg_restore, and prove the copy holds the same rows, table by table.

    python scripts/restore_drill.py postgres://postgres@127.0.0.1:5432/portal [--target portal_restore] [--keep]

The 15 binaries matter: a newer pg_dump writes settings (e.g. `SET transaction_timeout`) that a 15 server
refuses on restore. PG_BIN names another folder. The target is created empty and dropped at the end
unless --keep is given; the source is only read. Exit status 0 when every table matches.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import psycopg2
from psycopg2 import sql

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def _connect(url: str, dbname: str | None = None):
    parts = urlparse(url)
    conn = psycopg2.connect(host=parts.hostname, port=parts.port or 5432, user=parts.username,
                            password=parts.password, dbname=dbname or parts.path.lstrip("/"))
    conn.autocommit = True
    return conn


def _with_database(url: str, name: str) -> str:
    return urlunparse(urlparse(url)._replace(path=f"/{name}"))


def table_counts(url: str) -> dict[str, int]:
    """Exact row counts of every table in the public schema (a drill copy is small enough to count)."""
    conn = _connect(url)
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
            tables = [row[0] for row in cursor.fetchall()]
            counts = {}
            for table in tables:
                cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
                counts[table] = cursor.fetchone()[0]
            return counts
    finally:
        conn.close()


def drill(source_url: str, target: str, *, keep: bool = False) -> tuple[dict[str, int], dict[str, int], float]:
    """Dump, restore, count. Returns the source's counts, the copy's counts and the seconds it took."""
    started = time.monotonic()
    admin = _connect(source_url, "postgres")
    try:
        with admin.cursor() as cursor:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(target)))
    finally:
        admin.close()
    target_url = _with_database(source_url, target)
    try:
        with tempfile.TemporaryDirectory() as folder:
            dump = Path(folder) / "portal.dump"
            subprocess.run([str(PG_BIN / "pg_dump"), "--format=custom", "--no-owner", "--file", str(dump),
                            "--dbname", source_url], check=True, capture_output=True, text=True, timeout=600)
            subprocess.run([str(PG_BIN / "pg_restore"), "--no-owner", "--exit-on-error", "--dbname", target_url,
                            str(dump)], check=True, capture_output=True, text=True, timeout=600)
        return table_counts(source_url), table_counts(target_url), time.monotonic() - started
    finally:
        if not keep:
            admin = _connect(source_url, "postgres")
            try:
                with admin.cursor() as cursor:
                    cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(target)))
            finally:
                admin.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", help="URL of the database to dump (read only)")
    parser.add_argument("--target", help="name of the database to restore into (default: <source>_restore)")
    parser.add_argument("--keep", action="store_true", help="keep the restored copy")
    args = parser.parse_args()
    target = args.target or urlparse(args.source).path.lstrip("/") + "_restore"
    try:
        source, copy, seconds = drill(args.source, target, keep=args.keep)
    except subprocess.CalledProcessError as exc:
        print(f"{Path(exc.cmd[0]).name} failed:\n{exc.stderr}", file=sys.stderr)
        return 1
    differing = {t: (n, copy.get(t)) for t, n in source.items() if copy.get(t) != n}
    print(f"{len(source)} tables, {sum(source.values())} rows dumped and restored in {seconds:.1f} s.")
    for table, (expected, got) in sorted(differing.items()):
        print(f"  {table}: {expected} rows in the source, {got} in the copy", file=sys.stderr)
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
