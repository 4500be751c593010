"""The work itself, without Qt: services take a Session and plain values, return plain values.

Every write checks permissions (``permissions.require``) and leaves an audit row
(``audit.record``) in the same transaction, so a refused or failed write leaves nothing behind.
"""
