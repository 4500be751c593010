"""文书 on a matter's page: the documents it has produced, each printed again on request.

The list comes from ``documents.list_documents`` (受理回执, 受理告知书, 不予受理告知书,
延期办理告知书, 督办单 …, with how often each was printed); 打印 (or a double-click, or Enter)
renders the chosen one as first printed and opens it in the print preview. Every print is
recorded on the timeline by the service, and the bus reloads the list.
"""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.core.ops import op
from app.services.reception import documents

from . import bus as kinds
from .context import ViewContext
from .pdf_preview_dialog import PdfPreviewDialog
from .widgets import MessageBar, Row, rows_view


class MatterDocumentsPanel(QWidget):
    """The 文书 of the matter shown (``show_matter``), with 打印/补打."""

    def __init__(self, ctx: ViewContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.matter_id: uuid.UUID | None = None
        self.preview: PdfPreviewDialog | None = None
        self._generation = 0
        title = QLabel("文书")
        title.setProperty("role", "heading")
        self.print_button = QPushButton("打印/补打")
        self.print_button.setToolTip("按首次打印时的内容重新打印所选文书（回车或双击也可）")
        self.print_button.setEnabled(False)
        self.print_button.clicked.connect(self.print_selected)
        head = QHBoxLayout()
        head.setContentsMargins(0, 0, 0, 0)
        head.addWidget(title)
        head.addStretch(1)
        head.addWidget(self.print_button)
        # The pane is narrow at 1366×768: which paper and whether printed come first; the
        # note takes what is left (its whole text, like every cell's, shows on hover).
        self.table = rows_view(
            ["文书", "日期", "打印", "说明"], stretch=3, widths=[(0, 170), (1, 84), (2, 56)]
        )
        self.table.setMaximumHeight(160)  # four papers without scrolling
        self.table.setAccessibleName("文书列表")
        self.table.doubleClicked.connect(lambda _i: self.print_selected())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_button())
        enter = QShortcut(QKeySequence(Qt.Key.Key_Return), self.table)
        enter.setContext(Qt.ShortcutContext.WidgetShortcut)
        enter.activated.connect(self.print_selected)
        self.message = MessageBar()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(head)
        layout.addWidget(self.table)
        layout.addWidget(self.message)
        ctx.bus.watch(self, [kinds.MATTERS], self.reload)

    def show_matter(self, matter_id: uuid.UUID | None) -> None:
        if matter_id != self.matter_id:
            self.table.set_rows([])
            self.message.clear()
        self.matter_id = matter_id
        self.reload()

    def reload(self) -> None:
        if self.matter_id is None:
            self.table.set_rows([])
            self._update_button()
            return
        self._generation += 1
        generation, mid = self._generation, self.matter_id
        self.ctx.worker.submit(
            op(documents.list_documents, self.ctx.actor, mid),
            lambda docs: self._loaded(generation, docs),
            lambda exc: generation == self._generation and self.message.show_error(exc),
        )

    def _loaded(self, generation: int, docs: list[documents.MatterDocument]) -> None:
        if generation != self._generation:
            return  # another matter was chosen meanwhile
        self.table.set_rows(
            Row(
                (
                    d.title,
                    f"{d.made_at:%Y-%m-%d}",
                    f"{d.prints} 次" if d.prints else "未打印",
                    f"{d.printed_text}；{d.about}" if d.prints else d.about,
                ),
                d.key,
            )
            for d in docs
        )
        self._update_button()

    def _update_button(self) -> None:
        self.print_button.setEnabled(self.table.current_id() is not None)

    def print_selected(self) -> None:
        key, mid = self.table.current_id(), self.matter_id
        if key is None or mid is None:
            return
        self.print_button.setEnabled(False)

        def done(result: tuple[str, bytes]) -> None:
            title, pdf = result
            self._update_button()
            self.message.clear()
            name = title.replace(" ", "-")
            kind = "receipt" if key == "receipt" else "notice"
            self.preview = PdfPreviewDialog(pdf, title, f"{name}.pdf", self, kind=kind)
            # On the timeline only once the job was handed to the printer.
            self.preview.printed.connect(lambda _name: self._printed(mid, key))
            self.preview.open()

        def failed(exc: BaseException) -> None:
            self._update_button()
            self.message.show_error(exc)

        job = op(documents.render_document_pdf, self.ctx.actor, mid, key)
        self.ctx.worker.submit(job, done, failed)

    def _printed(self, mid, key: str) -> None:
        job = op(documents.record_document_print, self.ctx.actor, mid, key)
        self.ctx.worker.submit(job, None, self.message.show_error)
