"""Preview a PDF made by app.reports, then print it or save it.

Printing keeps the document as it was made (app/services/printing): the paper size and
orientation come from the document and are preset in the print dialog; the printer is used as
a whole sheet (``setFullPage(True)``) and each page is drawn at 100 % at its own coordinates,
never fitted to the printable area. Where CUPS is the printing system the PDF itself goes to the
queue (``lp``); on Windows, for a PDF file and for a queue that refuses PDF, each page is
rasterised at the printer's resolution (at most 600 dpi), one page at a time.

The preview's ``printed`` signal fires only once the job was handed to the printing system;
the callers record the print (the matter's timeline, the audit log) then, never before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from PySide6.QtCore import QEventLoop, QMarginsF, QRectF, QSizeF, Qt, Signal
from PySide6.QtGui import QImage, QKeySequence, QPageLayout, QPageSize, QPainter, QPixmap, QShortcut
from PySide6.QtPrintSupport import QAbstractPrintDialog, QPrintDialog, QPrinter, QPrinterInfo
from PySide6.QtWidgets import (
    QApplication,
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

from app.services.printing import cups, placement, preferences
from app.services.printing.cups import PrintFailed
from app.services.printing.placement import Margins, PageSetup

from .widgets import MessageBar
from .widgets.screen import fit_to_screen

NO_PRINTER = "这台电脑没有安装打印机。可以先另存为 PDF，再到有打印机的电脑上打印。"
CANCELLED = "已取消打印，没有送出打印任务。"
_warned_printers: set[str] = set()  # 本打印机边距较大: said once per printer and session


def warm_up() -> None:
    """Load PDFium ahead of the first preview (any thread)."""
    import pypdfium2  # noqa: F401


def _pdfium():
    import pypdfium2 as pdfium  # at first use: the tabs that can preview open without it

    return pdfium


def _image(bitmap) -> QImage:
    """A QImage over PDFium's bitmap, without copying: valid while ``bitmap`` lives."""
    return QImage(
        bitmap.buffer,
        bitmap.width,
        bitmap.height,
        bitmap.stride,
        QImage.Format.Format_RGBX8888 if bitmap.n_channels == 4 else QImage.Format.Format_RGB888,
    )


def iter_pages(pdf: bytes, dpi: float, indexes: Iterable[int] | None = None) -> Iterator[QImage]:
    """Each page (or the pages ``indexes``, 0-based, in that order) rasterised at ``dpi``, one at
    a time: a page's image is released before the next is rendered, so printing a long 卷宗 at
    600 dpi holds one page, not all of them. Use each image before asking for the next."""
    doc = _pdfium().PdfDocument(pdf)
    try:
        for i in range(len(doc)) if indexes is None else indexes:
            page = doc[i]
            bitmap = page.render(scale=dpi / 72, rev_byteorder=True)
            try:
                yield _image(bitmap)
            finally:
                bitmap.close()
                page.close()
    finally:
        doc.close()


def render_pages(pdf: bytes, dpi: float = 96) -> list[QImage]:
    """Every page rasterised (PDFium), each image its own copy: for the on-screen preview."""
    return [img.copy() for img in iter_pages(pdf, dpi)]


def page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    """Each page's (width, height) in points."""
    doc = _pdfium().PdfDocument(pdf)
    try:
        return [tuple(doc.get_page_size(i)) for i in range(len(doc))]
    finally:
        doc.close()


def document_margins(pdf: bytes) -> Margins | None:
    """How near the document's ink comes to each edge, over all its pages (mm)."""
    doc = _pdfium().PdfDocument(pdf)
    found: list[Margins] = []
    try:
        for i in range(len(doc)):
            page = doc[i]
            w, h = page.get_size()
            bounds = [obj.get_bounds() for obj in page.get_objects(max_depth=1)]
            m = placement.ink_margins(bounds, w, h)
            if m is not None:
                found.append(m)
            page.close()
    finally:
        doc.close()
    if not found:
        return None
    return Margins(
        min(m.left for m in found),
        min(m.top for m in found),
        min(m.right for m in found),
        min(m.bottom for m in found),
    )


def hardware_margins(printer: QPrinter) -> Margins:
    """The margins the printer's driver cannot print in (mm), as it reports them."""
    layout = printer.pageLayout()
    unit = QPageLayout.Unit.Millimeter
    m = layout.margins(unit)
    # a driver's minimum, in the layout's own unit
    low = layout.minimumMargins()
    scale = {
        QPageLayout.Unit.Millimeter: 1.0,
        QPageLayout.Unit.Point: placement.MM_PER_PT,
        QPageLayout.Unit.Inch: 25.4,
    }.get(layout.units(), 1.0)
    return Margins(
        max(m.left(), low.left() * scale),
        max(m.top(), low.top() * scale),
        max(m.right(), low.right() * scale),
        max(m.bottom(), low.bottom() * scale),
    )


def prepare_printer(printer: QPrinter, setup: PageSetup) -> None:
    """The document's paper and orientation on ``printer`` (before the print dialog shows it),
    the driver's margins kept as they are (they are where it cannot print)."""
    if setup.is_a4:
        size = QPageSize(QPageSize.PageSizeId.A4)
    else:
        size = QPageSize(QSizeF(*setup.portrait_size_mm), QPageSize.Unit.Millimeter)
    printer.setPageSize(size)
    printer.setPageOrientation(
        QPageLayout.Orientation.Landscape if setup.landscape else QPageLayout.Orientation.Portrait
    )


def print_raster(
    pdf: bytes,
    printer: QPrinter,
    pages: tuple[int, int] | None = None,
    copies: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Each page rasterised at the printer's resolution (≤ 600 dpi) and drawn at 100 % with its
    corner on the paper's. ``copies`` collated copies are drawn unless the driver makes them;
    ``progress(pages sent, pages in all)`` after each page. A PrintFailed with one Chinese line
    if the printer stops (offline, out of paper)."""
    sizes = page_sizes(pdf)
    setup = placement.document_setup(sizes)
    if printer.pageLayout().orientation() != (
        QPageLayout.Orientation.Landscape if setup.landscape else QPageLayout.Orientation.Portrait
    ):
        prepare_printer(printer, setup)
    printer.setFullPage(True)  # the painter's origin is the paper's corner
    indexes = list(placement.page_span(len(sizes), *(pages or (None, None))))
    if not indexes:
        raise PrintFailed("所选页码范围内没有页面，没有送出打印任务。")
    by_driver = copies > 1 and printer.supportsMultipleCopies()
    order = indexes * (1 if by_driver else max(1, copies))
    name = printer.printerName() or "打印机"
    dpi = placement.render_dpi(printer.resolution())
    device_dpi = printer.resolution()
    painter = QPainter()
    if not painter.begin(printer):
        raise PrintFailed(f"{name}无法开始打印（可能已离线、缺纸或被占用），请检查打印机后重试。")
    try:
        for n, (i, img) in enumerate(zip(order, iter_pages(pdf, dpi, order), strict=True)):
            if n and not printer.newPage():
                raise PrintFailed(
                    f"{name}在第 {n + 1} 页时停止响应（可能已离线），打印未完成，请检查打印机。"
                )
            x, y, w, h = placement.target_rect(*sizes[i], device_dpi)
            painter.drawImage(QRectF(x, y, w, h), img)
            if progress is not None:
                progress(n + 1, len(order))
        if printer.printerState() in (QPrinter.PrinterState.Error, QPrinter.PrinterState.Aborted):
            raise PrintFailed(f"{name}报告错误（可能已离线），打印未完成，请检查打印机。")
    except BaseException:
        painter.end()
        printer.abort()
        raise
    if not painter.end():
        raise PrintFailed(f"{name}没有接收打印任务（可能已离线），请检查打印机后重试。")


# Kept for callers of the old name: the raster path, at true size.
print_pdf = print_raster


def installed_printers() -> list[str]:
    """The printers this computer has (the system's queues)."""
    return [p.printerName() for p in QPrinterInfo.availablePrinters()]


def new_printer(name: str | None) -> QPrinter:
    """A printer for the queue ``name`` (None: the system's default)."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    if name:
        printer.setPrinterName(name)
    return printer


def queue_of(printer: QPrinter) -> str | None:
    """The system queue ``printer`` prints on; None for a PDF file."""
    if printer.outputFormat() != QPrinter.OutputFormat.NativeFormat:
        return None
    return printer.printerName() or None


def ask_printer(printer: QPrinter, parent: QWidget, page_count: int) -> bool:
    """The system's print dialog with ``printer``'s settings preset; False if cancelled."""
    dialog = QPrintDialog(printer, parent)
    dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintPageRange, True)
    dialog.setMinMax(1, max(1, page_count))
    return dialog.exec() == QDialog.DialogCode.Accepted


def _duplex(printer: QPrinter) -> bool:
    return printer.duplex() in (
        QPrinter.DuplexMode.DuplexAuto,
        QPrinter.DuplexMode.DuplexLongSide,
        QPrinter.DuplexMode.DuplexShortSide,
    )


def _pages(printer: QPrinter) -> tuple[int, int] | None:
    if printer.printRange() == QPrinter.PrintRange.PageRange and printer.fromPage() > 0:
        return printer.fromPage(), max(printer.fromPage(), printer.toPage())
    return None


class PdfPreviewDialog(QDialog):
    """Shows the pages; 打印 (Ctrl+P), 另存为 (Ctrl+S), 关闭 (Esc).

    ``kind`` (see app.services.printing.preferences.PLACES) picks this terminal's printer and
    duplex for the document. ``printed`` (the printer's name) is emitted only after the job was
    handed to the printing system."""

    printed = Signal(str)

    def __init__(
        self,
        pdf: bytes,
        title: str,
        file_name: str,
        parent: QWidget | None = None,
        *,
        kind: str = "other",
    ):
        super().__init__(parent)
        self.pdf = pdf
        self.file_name = file_name
        self.kind = kind
        self.setWindowTitle(title)
        self.sizes = page_sizes(pdf)
        self.setup = placement.document_setup(self.sizes)
        fit_to_screen(self, 720, 900)  # 打印/另存为/关闭 stay on a 768-high screen
        pages = QWidget()
        col = QVBoxLayout(pages)
        col.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.page_labels: list[QLabel] = []
        for img in iter_pages(pdf, dpi=80):
            label = QLabel()
            label.setPixmap(QPixmap.fromImage(img))  # a copy: the page's bitmap is let go
            label.setFrameShape(QLabel.Shape.Box)
            col.addWidget(label)
            self.page_labels.append(label)
        scroll = QScrollArea()
        scroll.setWidget(pages)
        scroll.setWidgetResizable(True)
        self.message = MessageBar()
        self.paper = QLabel(f"纸张：{self.setup.describe()}，按原尺寸打印，共 {len(self.sizes)} 页")
        self.paper.setProperty("role", "hint")
        buttons = QDialogButtonBox()
        self.print_button = QPushButton("打印(&P)")
        self.save_button = QPushButton("另存为(&S)…")
        self.print_button.setDefault(True)
        buttons.addButton(self.print_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton("关闭", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.rejected.connect(self.reject)
        self.print_button.clicked.connect(self.print_document)
        self.save_button.clicked.connect(lambda: self.save_document())
        QShortcut(QKeySequence.StandardKey.Print, self, self.print_document)
        QShortcut(QKeySequence.StandardKey.Save, self, lambda: self.save_document())
        layout = QVBoxLayout(self)
        layout.addWidget(scroll)
        layout.addWidget(self.paper)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

    # --- printing
    def preset_printer(self, name: str | None = None) -> QPrinter:
        """A printer with this document's paper, orientation and this terminal's choice for its
        kind (printer, duplex) already set."""
        choice = preferences.choice_for(self.kind, len(self.sizes))
        chosen = name or choice.printer
        printer = new_printer(chosen if chosen in installed_printers() else None)
        prepare_printer(printer, self.setup)
        if choice.duplex:
            printer.setDuplex(
                QPrinter.DuplexMode.DuplexShortSide
                if self.setup.landscape
                else QPrinter.DuplexMode.DuplexLongSide
            )
        printer.setCopyCount(1)  # an agreement's 第1份…第N份 are pages of the one document
        return printer

    def print_document(self) -> bool:
        """The print dialog, preset; then the job. True once it was handed to the system."""
        self.message.clear()
        if not installed_printers():
            self.no_printer()
            return False
        printer = self.preset_printer()
        if not ask_printer(printer, self, len(self.sizes)):
            self.message.info(CANCELLED)
            return False
        return self.send(printer)

    def print_directly(self) -> bool:
        """Print on this terminal's printer for the kind, without asking (回执直接打印).
        False (and a message) when there is no such printer or the job failed."""
        choice = preferences.choice_for(self.kind, len(self.sizes))
        if not installed_printers():
            self.no_printer()
            return False
        if not choice.printer or choice.printer not in installed_printers():
            self.message.warning("本终端还没有选定回执打印机：请按 Ctrl+P 选择打印机打印一次。")
            return False
        return self.send(self.preset_printer(choice.printer))

    def send(self, printer: QPrinter) -> bool:
        """Hand the document to ``printer``'s queue: the PDF itself through CUPS where it can,
        else page by page. One Chinese line on failure; ``printed`` on success."""
        queue = queue_of(printer)
        name = queue or printer.printerName()
        warning = None
        if name not in _warned_printers:
            hardware, ink = hardware_margins(printer), document_margins(self.pdf)
            warning = placement.margin_warning(hardware, ink)
        pages, copies, duplex = _pages(printer), printer.copyCount(), _duplex(printer)
        try:
            done = False
            if queue and cups.lp_program():
                job = cups.CupsJob(
                    queue, copies, duplex, self.setup.landscape, pages, self.windowTitle()
                )
                try:
                    cups.submit(self.pdf, job)
                    done = True
                except PrintFailed as exc:
                    if not exc.refuses_pdf:
                        raise
            if not done:
                self.print_button.setEnabled(False)  # the window stays alive meanwhile
                print_raster(self.pdf, printer, pages, copies, self._sending)
        except PrintFailed as exc:
            self.message.error(exc.message)
            return False
        finally:
            self.print_button.setEnabled(True)
        if warning:
            _warned_printers.add(name)
        if name:
            preferences.remember(self.kind, name, duplex)
        where = f"“{name}”" if name else "PDF 文件"
        done_text = f"已送到{where}打印。"
        if warning:
            self.message.warning(f"{done_text}{warning}。")
        else:
            self.message.success(done_text)
        self.printed.emit(name)
        return True

    def _sending(self, done: int, total: int) -> None:
        self.message.info(f"正在送往打印机：第 {done}/{total} 页…")
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)

    def no_printer(self) -> None:
        """Say there is no printer, and offer 另存为."""
        self.message.error(NO_PRINTER)
        box = QMessageBox(QMessageBox.Icon.Information, "没有打印机", NO_PRINTER, parent=self)
        save = box.addButton("另存为…", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("关闭", QMessageBox.ButtonRole.RejectRole)
        box.exec()
        if box.clickedButton() is save:
            self.save_document()

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


def pdf_printer(path: str, margins_mm: float = 0) -> QPrinter:
    """A PDF-format printer writing ``path`` whose driver reports ``margins_mm`` hardware
    margins: for tests and for checking the placement by eye."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(path)
    printer.setPageMargins(QMarginsF(*[margins_mm] * 4), QPageLayout.Unit.Millimeter)
    return printer
