"""PySide6 widgets. Views call services through ``worker.DbWorker``; they never build queries."""
