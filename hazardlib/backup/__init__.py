"""Backup and restore of a whole store, between SQLite and PostgreSQL in either direction, and the
store's integrity check.

A backup is one consistent snapshot taken while people keep working: every table is read in a single
read-only transaction (SQLite: one WAL read snapshot; PostgreSQL: REPEATABLE READ). It is written as
gzip-compressed JSON lines — a header (format, schema revision, engine, tables with their columns and
row counts), then the rows of each table in foreign-key order, then an end line — to a temporary file
renamed into place only when complete, so an interrupted backup never leaves a half file behind.

The end line carries the backup's manifest, made while the lines are written: the SHA-256 of every line
before it (header included) and of each table's part. With the administrator's key (:class:`BackupKey`)
the manifest also holds an HMAC-SHA256 of that digest, and the header the key's id: without the key no
one can make a backup that passes for one made with it. A backup without a key is only as good as its
SHA-256, which finds damage and a careless edit but is recomputed by anyone who edits on purpose.

A restore first reads the whole file once and checks it against its manifest (and the signature, if a
key is given or the backup is signed) before it touches the store. It then runs in one transaction: it
refuses a store that holds anything unless forced, clears it, builds the schema at the backup's
revision, loads every row (hashing them again: a file changed between the two readings is refused),
checks the counts and the integrity of the result, upgrades to the current revision and appends an
audit entry naming who restored what and how it was checked. Any failure rolls everything back and the
store is as it was. A backup of format version 1 (before the manifest) is restored only when asked.
"""

from .archive import (
    FORMAT,
    FORMAT_VERSION,
    KEY_MIN_BYTES,
    MESSAGES,
    BackupKey,
    BackupSummary,
    BadBackup,
    CheckedBackup,
    StoreNotEmpty,
    check_backup,
    read_header,
)
from .dump import backup
from .restoring import check_integrity, restore, store_contents

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "KEY_MIN_BYTES",
    "MESSAGES",
    "BackupKey",
    "BackupSummary",
    "BadBackup",
    "CheckedBackup",
    "StoreNotEmpty",
    "backup",
    "check_backup",
    "check_integrity",
    "read_header",
    "restore",
    "store_contents",
]
