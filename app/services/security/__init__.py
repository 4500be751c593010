"""Who may do what, and proof of it: log-in and passwords, permissions, the audit chain, the
counselling notes' keys and encryption, and the database integrity check.
"""
