"""The layer below the services, which the data layer (``app/db.py``) needs too: operations
(``ops``), typed errors, SQL that means the same on SQLite and PostgreSQL (``portable``), rows
as plain values (``rows``), owner-only files (``private_files``), exchange change tracking
(``changelog``) and the one clock (``clock``). It imports no service and no Qt.
"""
