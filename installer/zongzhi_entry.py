"""Entry point of the bundled program (PyInstaller runs this file)."""

import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main())
