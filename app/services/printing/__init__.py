"""Printing without Qt: where a page goes on the paper, the CUPS job, and this terminal's printer
for each kind of document. The dialogs that use them are in app/views/pdf_preview_dialog.py."""
