"""Backup and restore of a whole instance: the database's rows and every stored file
in one archive (`flask portal backup`, `flask portal restore`).

Choices, and why:
- The archive is a zip, not a .tar.gz. Counts and checksums are known only once
  everything is written, so the manifest goes in last; a zip's central directory
  still lets restore read the manifest first (format version, revision) without
  reading gigabytes of recordings, and open the tables in foreign-key order
  whatever order they were written in. Members are written and read streaming;
  Python, Windows and every unzip tool open it; each member also has zip's CRC.
- The database is dumped as rows, one JSON Lines member per table
  (`database/<table>.jsonl`, values tagged with their types: see values.py), not
  with pg_dump. The same archive restores into SQLite or PostgreSQL (a pilot on
  SQLite can move to PostgreSQL by restoring), row counts are compared per table,
  nothing depends on a pg_dump binary whose major version must match the server,
  and one code path is tested on both databases. Schema is not dumped: restore
  builds it with the migrations up to the archive's revision, exactly as
  `flask db upgrade` builds a new instance.
- Consistency while the portal runs: all tables are read from one snapshot (a
  REPEATABLE READ, READ ONLY transaction on PostgreSQL; a copy made with sqlite3's
  online backup API on SQLite), then the files are copied (dump.py says why in
  that order).
- Files are read and written through the storage interface, so a backup from a
  local folder restores into an S3 bucket and the other way round.
"""

from portal.backup.archive import ArchiveError
from portal.backup.dump import BackupError, BackupSummary, write_backup
from portal.backup.restore import RestoreRefused, RestoreSummary, restore_backup

__all__ = [
    "ArchiveError",
    "BackupError",
    "BackupSummary",
    "RestoreRefused",
    "RestoreSummary",
    "restore_backup",
    "write_backup",
]
