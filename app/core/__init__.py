"""The layer below the services, which the data layer (``app/db.py``) needs too: operations
(``ops``), typed errors, SQL that means the same on SQLite and PostgreSQL (``portable``), rows
as plain values (``rows``), owner-only files (``private_files``) and exchange change tracking
(``changelog``). It imports no service and no Qt.
"""
