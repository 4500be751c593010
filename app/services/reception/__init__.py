"""群众接待窗口 and the event flow: registration (``intake``), the one writer of a matter's
status (``flow``) and its timeline, 督办, 服务安排, attachments, AB岗 posts, receipts, numbering
and the working rules.
"""
