"""Keeping the data: backups and their manifests, exchange bundles between terminals, moving a
database to a server, and this terminal's database setting.
"""
