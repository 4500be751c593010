"""Preview a PDF made by app.reports, then print it or save it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QImage, QKeySequence, QPainter, QPixmap, QShortcut
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from .widgets.screen import fit_to_screen


def warm_up() -> None:
    """Load PDFium ahead of the first preview (any thread)."""
    import pypdfium2  # noqa: F401


def render_pages(pdf: bytes, dpi: float = 96) -> list[QImage]:
    """Rasterise each page (PDFium); used for the preview and for printing."""
    import pypdfium2 as pdfium  # at first use: the tabs that can preview open without it

    doc = pdfium.PdfDocument(pdf)
    images = []
    try:
        for page in doc:
            bitmap = page.render(scale=dpi / 72, rev_byteorder=True)
            img = QImage(
                bytes(bitmap.buffer),
                bitmap.width,
                bitmap.height,
                bitmap.stride,
                QImage.Format.Format_RGBX8888
                if bitmap.n_channels == 4
                else QImage.Format.Format_RGB888,
            )
            images.append(img.copy())  # detach from PDFium's buffer
            page.close()
    finally:
        doc.close()
    return images


def print_pdf(pdf: bytes, printer: QPrinter) -> None:
    images = render_pages(pdf, dpi=min(printer.resolution(), 300))
    painter = QPainter(printer)
    try:
        for i, img in enumerate(images):
            if i:
                printer.newPage()
            rect = painter.viewport()
            size = img.size().scaled(rect.size(), Qt.AspectRatioMode.KeepAspectRatio)
            painter.drawImage(QRectF(0, 0, size.width(), size.height()), img)
    finally:
        painter.end()


class PdfPreviewDialog(QDialog):
    """Shows the pages; 打印 (Ctrl+P), 另存为 (Ctrl+S), 关闭 (Esc)."""

    def __init__(self, pdf: bytes, title: str, file_name: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.pdf = pdf
        self.file_name = file_name
        self.setWindowTitle(title)
        fit_to_screen(self, 720, 900)  # 打印/另存为/关闭 stay on a 768-high screen
        pages = QWidget()
        col = QVBoxLayout(pages)
        col.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.page_labels: list[QLabel] = []
        for img in render_pages(pdf, dpi=80):
            label = QLabel()
            label.setPixmap(QPixmap.fromImage(img))
            label.setFrameShape(QLabel.Shape.Box)
            col.addWidget(label)
            self.page_labels.append(label)
        scroll = QScrollArea()
        scroll.setWidget(pages)
        scroll.setWidgetResizable(True)
        buttons = QDialogButtonBox()
        self.print_button = QPushButton("打印(&P)")
        self.save_button = QPushButton("另存为(&S)…")
        self.print_button.setDefault(True)
        buttons.addButton(self.print_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton("关闭", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.rejected.connect(self.reject)
        self.print_button.clicked.connect(self.print_document)
        self.save_button.clicked.connect(self.save_document)
        QShortcut(QKeySequence.StandardKey.Print, self, self.print_document)
        QShortcut(QKeySequence.StandardKey.Save, self, self.save_document)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll)
        layout.addWidget(buttons)

    def print_document(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            print_pdf(self.pdf, printer)

    def save_document(self, path: str | None = None) -> str | None:
        if not path:
            path, _ = QFileDialog.getSaveFileName(
                self, "保存 PDF", str(Path.home() / self.file_name), "PDF 文件 (*.pdf)"
            )
        if not path:
            return None
        try:
            Path(path).write_bytes(self.pdf)
        except OSError as exc:
            QMessageBox.warning(self, "保存失败", f"无法保存到 {path}：{exc.strerror or exc}")
            return None
        return path
