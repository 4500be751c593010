"""文书与过程: the case's printable documents and its matter's timeline."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.services.rooms.mediation import CaseDetail, Document

from ..widgets import rows_view

if TYPE_CHECKING:
    from .tab import MediationTab


class DocumentsPage(QWidget):
    def __init__(self, host: MediationTab, parent=None):
        super().__init__(parent)
        self.host = host
        docs = QHBoxLayout()
        self.buttons: dict[Document, QPushButton] = {}
        for doc in (Document.APPLICATION, Document.REGISTRATION, Document.CASEFILE):
            b = QPushButton(f"打印{doc.label}")
            b.clicked.connect(lambda _c=False, doc=doc: host.print_document(doc, host.current))
            self.buttons[doc] = b
            docs.addWidget(b)
        docs.addStretch(1)
        self.timeline = rows_view(["时间", "步骤", "经办人", "说明"], 3, [(0, 150)], min_height=110)
        v = QVBoxLayout(self)
        v.addLayout(docs)
        v.addWidget(QLabel("事项办理过程"))
        v.addWidget(self.timeline)

    def show_case(self, d: CaseDetail | None) -> None:
        self.timeline.set_rows(
            (f"{e.at:%Y-%m-%d %H:%M:%S}", e.kind, e.who, e.note) for e in (d.timeline if d else [])
        )

    def update_buttons(self, has_case: bool) -> None:
        for b in self.buttons.values():
            b.setEnabled(has_case)
