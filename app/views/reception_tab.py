"""群众接待窗口: intake form, earlier visits, today's and open matters, detail with timeline.

Keyboard: Tab through the form (住址 goes straight on to 类别), Enter (in a one-line field) or
Ctrl+Enter registers, Ctrl+N starts a new form at the name field, Ctrl+P prints the receipt of
the last registered (or selected) matter, Ctrl+F searches the list. Alt+A adds a visitor,
Alt+G marks a group matter (and goes to its head count), Ctrl+D copies an earlier visitor's
particulars into the form, F2 reads the resident ID card on the reader (读卡) into it.
村/社区, 类别 and 承办单位 jump to what is typed (characters or pinyin initials, see
combos.TypeAheadCombo); 承办人 offers staff names the same way.
"""

from __future__ import annotations

import html
import uuid
from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QModelIndex, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.core import clock
from app.core.errors import EnvironmentProblem, ServiceError, ValidationError
from app.core.ops import op
from app.models import Channel, MatterStatus
from app.services.center.calendar import WorkCalendar
from app.services.center.reference import Lookups, load_lookups
from app.services.idcard.card import (
    NATIONS,
    CardData,
    CardReaderError,
    NoCard,
    ReaderNotFound,
    card_warnings,
)
from app.services.idcard.settings import ReaderSettings, load_reader_settings, open_source
from app.services.printing import preferences
from app.services.reception import detail, intake
from app.services.reception.intake import IntakeInput, MatterFilter, VisitorInput
from app.services.validation import (
    id_number_info,
    validate_id_number,
    validate_name,
    validate_phone,
)

from . import bus as kinds
from . import pdf_preview_dialog
from .bus import Changes
from .combos import PinyinCompleter, TypeAheadCombo, find_data
from .context import ViewContext
from .matter_table_model import (
    ID_ROLE,
    MatterTableModel,
    load_matter_list,
    matter_table,
    select_matter_row,
)
from .pdf_preview_dialog import PdfPreviewDialog
from .tables import set_column_widths
from .widgets import DraftController, MessageBar, Row, RowsModel
from .widgets.rows_model import RowsView
from .widgets.tab_helpers import ask_to_give_up, tab_shortcut
from .worker import run_in_background

ALL = "__all__"


OPEN_OR_TODAY = "__open_or_today__"


def _mark(widget: QWidget, invalid: bool) -> None:
    widget.setProperty("invalid", invalid)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


# After the window opens, printing is made ready in the background (see _warm_up_printing),
# a second later, so its imports do not compete with the list's first page for the CPU.
PRINT_WARM_UP_MS = 1000


class QuietLabel(QLabel):
    """A label that takes no room while it has nothing to say (an error line, a hint)."""

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setVisible(bool(text))


class SubmitLineEdit(QLineEdit):
    """A one-line field; Enter asks the form to register (via ``submitted``)."""

    submitted = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.returnPressed.connect(self.submitted)


class FormTextEdit(QPlainTextEdit):
    """Multi-line text where Tab moves on and Ctrl+Enter registers. Signals: ``submitted``."""

    submitted = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setTabChangesFocus(True)

    def keyPressEvent(self, event):
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and (
            event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            self.submitted.emit()
            return
        super().keyPressEvent(event)


def _refill(combo: QComboBox, items: list[tuple[str, object]]) -> None:
    """Replace a combo's choices after its first (“全部…” / “请选择…”), quietly, keeping the
    chosen item when it is still offered."""
    chosen = combo.currentData()
    combo.blockSignals(True)
    while combo.count() > 1:
        combo.removeItem(1)
    for text, data in items:
        combo.addItem(text, data)
    at = combo.findData(chosen) if chosen is not None else 0
    combo.setCurrentIndex(max(at, 0))
    combo.blockSignals(False)


def _only(combo: QComboBox, text: str, data: object) -> None:
    """A combo held to one choice (quietly), sized to it."""
    combo.blockSignals(True)
    combo.clear()
    combo.addItem(text, data)
    combo.setCurrentIndex(0)
    combo.blockSignals(False)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)


def _person_facts(p: detail.PersonView) -> str:
    """性别 · 民族 · 出生 and, for a card read, 签发机关 · 有效期限: a smaller line under
    the visitor in the matter's detail (empty when none is known)."""
    facts = [p.sex, p.nation, f"{p.birth}出生" if p.birth else ""]
    if p.authority:
        facts.append(f"签发机关 {p.authority}")
    if p.validity:
        facts.append(f"有效期限 {p.validity}")
    line = " · ".join(x for x in facts if x)
    return f"<br><small>{html.escape(line)}</small>" if line else ""


class VisitorEditor(QWidget):
    """One visitor: name, ID number, phone, address, village.

    Signals: ``identity_edited`` when name, ID number, phone or pinyin change; ``submitted``
    on Enter; ``remove_requested``. The 拼音 field shows only for a name with a character
    pypinyin cannot read (王𠮷), filled with what it can read ("wang ?").
    """

    identity_edited = Signal()
    submitted = Signal()
    id_entered = Signal()  # Enter in the ID number field: the form decides (see IntakeForm)
    remove_requested = Signal()

    def __init__(self, index: int, lookups: Lookups, parent=None):
        super().__init__(parent)
        self.name = SubmitLineEdit()
        self.name.setPlaceholderText("姓名（必填，生僻字可直接输入）")
        self.id_number = SubmitLineEdit()
        self.id_number.setPlaceholderText("18位身份证号（可不填）")
        self.id_number.setMaxLength(18)
        self.phone = SubmitLineEdit()
        self.phone.setPlaceholderText("手机或固话")
        self.address = SubmitLineEdit()
        self.address.setPlaceholderText("住址")
        # 性别 · 民族 · 出生: small, before the address. The card fills all three; a typed ID
        # number gives sex and birth date (the service does the same on save).
        self.sex = QComboBox()
        self.sex.setAccessibleName("性别")
        self.sex.setToolTip("性别（读卡或按身份证号自动填写）")
        for text, data in (("性别", ""), ("男", "男"), ("女", "女")):
            self.sex.addItem(text, data)
        self.nation = TypeAheadCombo()
        self.nation.setAccessibleName("民族")
        self.nation.setToolTip("民族（读卡自动填写）")
        self.nation.addItem("民族", "")
        for name in NATIONS.values():  # the 56, then 其他 and 外国血统中国籍人士 (GB/T 3304)
            self.nation.addItem(name, name)
        # As wide as 哈萨克族, not as the longest entry (外国血统中国籍人士).
        self.nation.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.nation.setMinimumContentsLength(4)
        self.birth = QLineEdit()
        self.birth.setReadOnly(True)
        # Filled by the card or from the ID number: out of the Tab chain, so typing a visit
        # by keyboard takes no more keys than before (tests/views/test_reception_keyboard.py).
        for w in (self.sex, self.nation, self.birth):
            w.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.birth.setPlaceholderText("出生日期")
        self.birth.setToolTip("出生日期：读卡或按身份证号自动填写")
        self.birth.setFixedWidth(self.birth.fontMetrics().horizontalAdvance("0000-00-00") + 16)
        self._birth: date | None = None
        self.card_line = QLabel()  # 签发机关 · 有效期限 of the card read into this visitor
        self.card_line.setProperty("role", "hint")
        # Cut at the form's edge rather than widening it (the tooltip holds the whole text).
        self.card_line.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._card: CardData | None = None  # the card read into this visitor, if any
        self.pinyin = SubmitLineEdit()
        self.pinyin.setPlaceholderText("拼音：生僻字的读音，音节间空格，如 wang ji")
        self.pinyin.setToolTip("姓名中有字查不到读音，请补上拼音，以后按拼音也能找到此人")
        self.pinyin.setVisible(False)
        self.pinyin_label = QLabel("拼音")
        self.pinyin_label.setVisible(False)
        self._pinyin_typed = False
        self.pinyin.textEdited.connect(self._pinyin_edited)
        self.village = TypeAheadCombo()
        self.village.addItem("（村/社区）", None)
        for v in lookups.villages:
            self.village.addItem(v.name, v.id)
        # 网格: the chosen village's grids (none chosen: none offered).
        self.lookups = lookups
        self.grid_choice = TypeAheadCombo()
        self.grid_choice.setAccessibleName("网格")
        self.grid_choice.setToolTip("事项发生地所在的网格（先选村/社区）")
        self.village.currentIndexChanged.connect(lambda _i: self.offer_grids())
        self.offer_grids()
        self.remove = QPushButton("移除")
        self.remove.setToolTip("移除这位群众")
        self.remove.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.remove.clicked.connect(self.remove_requested)
        self.title = QLabel()
        self.problem = QLabel()
        self.problem.setProperty("role", "error")
        self.problem.setWordWrap(True)
        self.problem.setVisible(False)
        self.set_index(index)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setVerticalSpacing(FORM_ROW_SPACING)
        grid.setHorizontalSpacing(FORM_COLUMN_SPACING)
        grid.addWidget(self.title, 0, 0)
        grid.addWidget(self.name, 0, 1)
        grid.addWidget(self.id_number, 0, 2)
        grid.addWidget(self.remove, 0, 3)
        grid.addWidget(self.phone, 1, 1)
        place = QHBoxLayout()  # the village, then its grid, sharing the village's column
        place.setSpacing(FORM_COLUMN_SPACING)
        place.addWidget(self.village, 1)
        place.addWidget(self.grid_choice, 1)
        grid.addLayout(place, 1, 2, 1, 2)
        grid.addWidget(self.address, 2, 1, 1, 3)
        facts = QHBoxLayout()  # 性别 · 民族 · 出生, then what else the card said
        facts.setSpacing(FORM_COLUMN_SPACING // 2)
        facts.addWidget(self.sex)
        facts.addWidget(self.nation)
        facts.addWidget(self.birth)
        facts.addWidget(self.card_line, 1)
        grid.addLayout(facts, 3, 1, 1, 3)
        grid.addWidget(self.pinyin_label, 4, 0)
        grid.addWidget(self.pinyin, 4, 1, 1, 3)
        grid.addWidget(self.problem, 5, 1, 1, 3)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(2, 1)
        for w in (self.name, self.phone, self.address, self.pinyin):
            w.submitted.connect(self.submitted)
        self.id_number.submitted.connect(self.id_entered)
        # Inline checks when leaving a field; the service checks everything again on save.
        self.id_number.editingFinished.connect(
            lambda: self._check(self.id_number, validate_id_number)
        )
        self.id_number.editingFinished.connect(self._from_id_number)
        self.phone.editingFinished.connect(lambda: self._check(self.phone, validate_phone))
        self.name.editingFinished.connect(lambda: self._check(self.name, validate_name))
        for w in (self.name, self.id_number, self.phone, self.pinyin):
            w.textEdited.connect(lambda _t: self.identity_edited.emit())
        # A field marked wrong is checked again at each key: the mark goes once it is right.
        for w, validate in (
            (self.id_number, validate_id_number),
            (self.phone, validate_phone),
            (self.name, validate_name),
        ):
            w.textEdited.connect(
                lambda _t, w=w, validate=validate: (
                    self._check(w, validate) if w.property("invalid") else None
                )
            )

    def offer_grids(self) -> None:
        """The grids of the chosen village, keeping the chosen grid when it is one of them."""
        grids = self.lookups.grids_of(self.village.currentData())
        if not self.grid_choice.count():
            self.grid_choice.addItem("（网格）", None)
        _refill(self.grid_choice, [(g.name, g.id) for g in grids])
        self.grid_choice.setEnabled(bool(grids))

    def _pinyin_edited(self, _text: str) -> None:
        self._pinyin_typed = True
        if self.pinyin.property("invalid"):
            _mark(self.pinyin, False)

    def offer_pinyin(self, lacks_reading: bool, suggestion: str) -> None:
        """Show the 拼音 field for a name pypinyin cannot read whole; hide it again when the
        name changes to one it can, unless pinyin was typed."""
        if lacks_reading:
            if not self._pinyin_typed:
                self.pinyin.setText(suggestion)
            self.pinyin.setVisible(True)
            self.pinyin_label.setVisible(True)
        elif not self._pinyin_typed or not self.name.text().strip():
            self.pinyin.clear()
            self._pinyin_typed = False
            self.pinyin.setVisible(False)
            self.pinyin_label.setVisible(False)

    def set_typed_pinyin(self, text: str) -> None:
        """Pinyin known for this name (a draft, an earlier visit): shown and kept as typed."""
        self.pinyin.setText(text)
        self._pinyin_typed = True
        self.pinyin.setVisible(True)
        self.pinyin_label.setVisible(True)

    def typed_pinyin(self) -> str:
        """The pinyin typed (or corrected) by hand; pypinyin's suggestion alone is not kept."""
        return self.pinyin.text() if self._pinyin_typed else ""

    def fill(self, person: intake.PersonCopy) -> None:
        """带入信息: an earlier visitor's name, ID number, phone, address, village (and pinyin)."""
        for field, value in (
            (self.name, person.name),
            (self.id_number, person.id_number),
            (self.phone, person.phone),
            (self.address, person.address),
        ):
            if value:
                field.setText(value)
                _mark(field, False)
        if person.village_id is not None:
            i = find_data(self.village, person.village_id)
            if i >= 0:
                self.village.setCurrentIndex(i)
        if person.pinyin:
            self.set_typed_pinyin(person.pinyin)
        self.problem.setVisible(False)

    def fill_from_card(self, card: CardData) -> None:
        """读卡: the card's name, ID number, address, sex, nation and birth date exactly as on
        the card (rare characters included); its 签发机关, 有效期限 and photo go with the
        visitor while the ID number stays the card's."""
        for field, value in (
            (self.name, card.name),
            (self.id_number, card.id_number),
            (self.address, card.address),
        ):
            field.setText(value)
            _mark(field, False)
        self.sex.setCurrentIndex(max(self.sex.findData(card.sex), 0))
        self.nation.setCurrentIndex(max(self.nation.findData(card.nation), 0))
        self.set_birth(card.birth)
        self._card = card
        self.card_line.setText(f"有效期 {card.validity_text()} · {card.authority}")
        self.card_line.setToolTip(f"签发机关：{card.authority}\n有效期限：{card.validity_text()}")
        self.problem.setVisible(False)
        self._check(self.id_number, validate_id_number)
        self._from_id_number()

    def set_birth(self, born: date | None) -> None:
        self._birth = born
        self.birth.setText(born.isoformat() if born else "")

    def _from_id_number(self) -> None:
        """A valid ID number fills an empty sex; the birth date (read-only) is the card's
        while its number stands, else the number's."""
        if self.card() is None:  # another number typed over the card's
            self.card_line.clear()
        try:
            born, sex = id_number_info(self.id_number.text())
        except ValidationError:
            if self.card() is None:
                self.set_birth(None)
            return
        if not self.sex.currentData():
            self.sex.setCurrentIndex(self.sex.findData(sex))
        if self.card() is None or self._birth is None:
            self.set_birth(born)

    def card(self) -> CardData | None:
        """The card read into this visitor, while its ID number is still the card's."""
        card = self._card
        if card is None or card.id_number != self.id_number.text().strip().upper():
            return None
        return card

    def clear_card(self) -> None:
        self._card = None
        self.card_line.clear()
        self.sex.setCurrentIndex(0)
        self.nation.setCurrentIndex(0)
        self.set_birth(None)

    def _check(self, field: QLineEdit, validate) -> None:
        text = field.text()
        message = ""
        if text.strip():
            try:
                validate(text)
            except ValidationError as err:
                message = next(iter(err.fields.values()))
        _mark(field, bool(message))
        field.setToolTip(message)
        self.problem.setText(message)
        self.problem.setVisible(bool(message))

    def set_index(self, index: int) -> None:
        self.title.setText(f"群众{index + 1}")

    def value(self) -> VisitorInput:
        card = self.card()
        return VisitorInput(
            name=self.name.text(),
            id_number=self.id_number.text(),
            phone=self.phone.text(),
            address=self.address.text(),
            village_id=self.village.currentData(),
            pinyin=self.typed_pinyin(),
            sex=self.sex.currentData() or "",
            nation=self.nation.currentData() or "",
            birth=self._birth,
            authority=card.authority if card else "",
            valid_from=card.valid_from if card else None,
            valid_until=card.valid_until if card else None,
            card_photo=card.photo if card else b"",
        )

    def fields(self) -> dict[str, QWidget]:
        return {
            "name": self.name,
            "id_number": self.id_number,
            "phone": self.phone,
            "address": self.address,
            "pinyin": self.pinyin,
            "sex": self.sex,
            "nation": self.nation,
            "birth": self.birth,
        }


class IntakeForm(QWidget):
    """The registration form. Signals: ``submitted``, ``identity_edited``, ``changed``."""

    submitted = Signal()
    identity_edited = Signal()
    changed = Signal()

    def __init__(self, lookups: Lookups, calendar: WorkCalendar | None, parent=None):
        super().__init__(parent)
        self.lookups = lookups
        self.calendar = calendar
        self.channel = TypeAheadCombo()
        for ch in Channel:
            self.channel.addItem(ch.label, ch)
        self.visitors: list[VisitorEditor] = []
        self.visitor_box = QVBoxLayout()
        self.add_visitor_button = QPushButton("添加群众 (Alt+A)")
        self.add_visitor_button.clicked.connect(lambda: self.add_visitor(focus=True))
        self.add_visitor_button.setToolTip("再登记一位群众（Alt+A）")
        # Reached by their keys, not by Tab: Tab goes from 住址 straight to 类别.
        self.add_visitor_button.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.is_group = QCheckBox("群体性事项 (Alt+G)")
        self.is_group.setToolTip("群体性事项（Alt+G），勾选后填人数")
        self.is_group.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.head_count = QSpinBox()
        self.head_count.setRange(0, 100000)
        self.head_count.setSuffix(" 人")
        self.head_count.setEnabled(False)
        self.is_group.toggled.connect(self._group_toggled)
        tab_shortcut(self, QKeySequence("Alt+A"), lambda: self.add_visitor(focus=True))
        tab_shortcut(self, QKeySequence("Alt+G"), self._toggle_group)
        self.category = TypeAheadCombo()
        self.category.addItem("（请选择类别）", None)
        for c in lookups.categories:
            self.category.addItem(c.name, c.id)
        self.category.currentIndexChanged.connect(self._category_changed)
        self.deadline_label = QuietLabel()
        self.deadline_label.setProperty("role", "hint")
        self.summary = FormTextEdit()
        self.summary.setPlaceholderText("事项摘要：诉求、事由、涉及对象（Ctrl+Enter 登记）")
        # As tall as the room left allows: two lines at the least, so that the whole form fits
        # a 1366×768 laptop unscrolled with a 拼音 row, the 重复来访 line and a draft bar shown.
        self.summary.setMinimumHeight(52)
        self.summary.setMaximumHeight(160)
        self.summary.submitted.connect(self.submitted)
        self.answered = QCheckBox("当场解答并办结")
        self.answer = FormTextEdit()
        self.answer.setPlaceholderText("解答内容（当场办结时必填）")
        self.answer.setMaximumHeight(80)
        self.answer.setVisible(False)
        self.answer.submitted.connect(self.submitted)
        self.answered.toggled.connect(self._answered_toggled)
        self.unit = TypeAheadCombo()
        self.unit.addItem(UNIT_DEFAULT, None)
        for u in lookups.routable():
            self.unit.addItem(u.name, u.id)
        self.handler = SubmitLineEdit()
        self.handler.setPlaceholderText("首办责任人（可不填）")
        self.handler.submitted.connect(self.submitted)
        self.handler_completer = PinyinCompleter([s.name for s in lookups.staff], self.handler)
        self.handler_completer.attach(self.handler)
        # 网格上报: the reporting 网格员, offered from the chosen grid's people; a name not
        # listed may be typed.
        self.reporter = QComboBox()
        self.reporter.setEditable(True)
        self.reporter.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.reporter.lineEdit().setPlaceholderText("上报的网格员（先选村/社区和网格）")
        self.reporter.setAccessibleName("上报网格员")
        self._held: tuple[uuid.UUID, uuid.UUID, str] | None = None  # a 网格员's own grid
        self.error = QuietLabel()
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        self.error.setVisible(False)

        group_row = QHBoxLayout()
        group_row.addWidget(self.is_group)
        group_row.addSpacing(10)  # the theme draws the box's text wider than it reports
        group_row.addWidget(self.head_count)
        group_row.addStretch(1)
        group_row.addWidget(self.add_visitor_button)
        form = self._rows = QFormLayout()
        form.setVerticalSpacing(FORM_ROW_SPACING)
        form.addRow("来源渠道", self.channel)
        form.addRow(self.visitor_box)
        form.addRow(group_row)
        form.addRow("上报网格员", self.reporter)
        form.setRowVisible(self.reporter, False)  # shown for 网格上报
        form.addRow("事项类别", self.category)
        form.addRow("", self.deadline_label)
        self._deadline_row = form.rowCount() - 1
        form.setRowVisible(self._deadline_row, False)  # shown with a category's deadline
        form.addRow("事项摘要", self.summary)
        form.addRow("", self.answered)
        form.addRow("解答内容", self.answer)
        self.answer_label = form.labelForField(self.answer)
        self.answer_label.setVisible(False)
        form.addRow("承办单位", self.unit)
        form.addRow("承办人", self.handler)
        # A visitor's fields start where the form's fields do (their 群众1 column as wide as
        # the form's labels).
        form.setHorizontalSpacing(FORM_COLUMN_SPACING)
        labels = [
            form.itemAt(row, QFormLayout.ItemRole.LabelRole) for row in range(form.rowCount())
        ]
        self._label_width = max(item.widget().sizeHint().width() for item in labels if item)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(FORM_ROW_SPACING)
        outer.addLayout(form)
        outer.addWidget(self.error)
        for w in (
            self.channel,
            self.category,
            self.unit,
            self.is_group,
            self.head_count,
            self.summary,
            self.answered,
            self.answer,
            self.handler,
            self.reporter,
        ):
            self._watch(w)
        self.reporter.editTextChanged.connect(self.changed)
        self.channel.currentIndexChanged.connect(lambda _i: self.offer_reporters())
        self._errors: dict[str, str] = {}
        for key, w in self.field_widgets().items():
            self._watch_error(key, w)
        self.add_visitor()
        self._fix_tab_order()

    def _watch(self, w: QWidget) -> None:
        """Any edit of ``w`` emits ``changed`` (the draft is saved shortly after)."""
        if isinstance(w, (QLineEdit, QPlainTextEdit)):
            w.textChanged.connect(self.changed)
        elif isinstance(w, QComboBox):
            w.currentIndexChanged.connect(self.changed)
        elif isinstance(w, QCheckBox):
            w.toggled.connect(self.changed)
        elif isinstance(w, QSpinBox):
            w.valueChanged.connect(self.changed)

    def _watch_error(
        self, key: str | Callable[[], str], w: QWidget, checked_live: bool = False
    ) -> None:
        """A field refused on save loses its mark and message as soon as it is corrected:
        when it has a value, or (``checked_live``: the field checks itself at each key, see
        VisitorEditor) once its own check passes."""

        def edited(*_args) -> None:
            k = key if isinstance(key, str) else key()
            if k not in self._errors:
                return
            fixed = not w.property("invalid") if checked_live else _has_value(w)
            if fixed:
                del self._errors[k]
                _mark(w, False)
                self.error.setText("\n".join(self._errors.values()))

        if isinstance(w, QLineEdit):
            w.textEdited.connect(edited)
        elif isinstance(w, QPlainTextEdit):
            w.textChanged.connect(edited)
        elif isinstance(w, QComboBox):
            w.currentIndexChanged.connect(edited)
        elif isinstance(w, QSpinBox):
            w.valueChanged.connect(edited)

    def _group_toggled(self, on: bool) -> None:
        self.head_count.setEnabled(on)

    def _toggle_group(self) -> None:
        """Alt+G: tick 群体性事项 and go straight on to the head count (or untick it)."""
        self.is_group.toggle()
        if self.is_group.isChecked():
            self.head_count.setFocus(Qt.FocusReason.ShortcutFocusReason)
            self.head_count.selectAll()

    def set_lookups(self, lookups: Lookups) -> None:
        """New units, categories or villages (中心资料): refill the choices, keeping the chosen."""
        self.lookups = lookups
        _refill(self.category, [(c.name, c.id) for c in lookups.categories])
        _refill(self.unit, [(u.name, u.id) for u in lookups.routable()])
        for editor in self.visitors:
            _refill(editor.village, [(v.name, v.id) for v in lookups.villages])
            editor.lookups = lookups
            editor.offer_grids()
        self.offer_reporters()

    # --- visitors
    def add_visitor(self, focus: bool = False) -> VisitorEditor:
        editor = VisitorEditor(len(self.visitors), self.lookups)
        editor.submitted.connect(self.submitted)
        editor.id_entered.connect(lambda e=editor: self._id_entered(e))
        editor.identity_edited.connect(self.identity_edited)
        editor.remove_requested.connect(lambda e=editor: self.remove_visitor(e))
        for w in (editor.name, editor.id_number, editor.phone, editor.address, editor.village):
            self._watch(w)
        self._watch(editor.grid_choice)
        editor.grid_choice.currentIndexChanged.connect(lambda _i: self.offer_reporters())
        editor.village.currentIndexChanged.connect(lambda _i: self.offer_reporters())
        self._watch(editor.pinyin)
        for key, w in editor.fields().items():
            self._watch_error(
                lambda e=editor, k=key: f"visitors[{self.visitors.index(e)}].{k}",
                w,
                checked_live=key in ("name", "id_number", "phone"),
            )
        editor.title.setMinimumWidth(self._label_width)
        self.visitors.append(editor)
        self.visitor_box.addWidget(editor)
        self._renumber()
        self._fix_tab_order()
        if focus:
            editor.name.setFocus()
        return editor

    def _id_entered(self, editor: VisitorEditor) -> None:
        """Enter in 身份证号. A keyboard-wedge card reader types the number and Enter into the
        focused field: on a form whose matter is not written yet that Enter moves on to 电话
        (a half-filled form is not sent off to be refused); once 事项摘要 is written, Enter
        registers as in any other one-line field."""
        if self.summary.toPlainText().strip():
            self.submitted.emit()
        else:
            editor.phone.setFocus(Qt.FocusReason.TabFocusReason)

    def fill_from_card(self, card: CardData) -> VisitorEditor:
        """读卡: the visitor with this ID number already in the form (a card read twice), else
        the first visitor with no name and no ID number, else a new visitor."""
        number = card.id_number.upper()
        editor = next(
            (v for v in self.visitors if v.id_number.text().strip().upper() == number), None
        ) or next(
            (v for v in self.visitors if not (v.name.text().strip() or v.id_number.text().strip())),
            None,
        )
        if editor is None:
            editor = self.add_visitor()
        editor.fill_from_card(card)
        i = self.visitors.index(editor)
        for key in ("name", "id_number", "address"):
            self._errors.pop(f"visitors[{i}].{key}", None)
        self.error.setText("\n".join(self._errors.values()))
        self.changed.emit()
        self.identity_edited.emit()  # 重复来访 answers as for a typed number
        return editor

    def remove_visitor(self, editor: VisitorEditor) -> None:
        if len(self.visitors) <= 1:
            return
        self.visitors.remove(editor)
        editor.setParent(None)
        editor.deleteLater()
        self._renumber()
        self._fix_tab_order()
        self.identity_edited.emit()

    def _renumber(self) -> None:
        for i, v in enumerate(self.visitors):
            v.set_index(i)
            v.remove.setVisible(len(self.visitors) > 1)

    def _fix_tab_order(self) -> None:
        chain: list[QWidget] = [self.channel]
        for v in self.visitors:
            chain += [v.name, v.id_number, v.phone, v.sex, v.nation, v.village, v.grid_choice]
            chain += [v.address, v.pinyin]
        chain += [
            self.head_count,  # only while 群体性事项 is ticked
            self.reporter,  # only for 网格上报
            self.category,
            self.summary,
            self.answered,
            self.answer,
            self.unit,
            self.handler,
        ]
        for a, b in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(a, b)

    # --- behaviour
    def _category_changed(self) -> None:
        cid = self.category.currentData()
        cat = self.lookups.category(cid) if cid else None
        if cat is None:  # nothing chosen (or the form cleared): no stale default shown
            self.deadline_label.setText("")
            self._rows.setRowVisible(self._deadline_row, False)
            self.unit.setItemText(0, UNIT_DEFAULT)
            return
        if cat.default_unit_id and self.unit.currentData() is None:
            i = find_data(self.unit, cat.default_unit_id)
            self.unit.setItemText(
                0, f"（按类别默认：{self.unit.itemText(i)}）" if i > 0 else UNIT_DEFAULT
            )
        else:
            self.unit.setItemText(0, UNIT_DEFAULT)
        if self.calendar is not None:
            d = self.calendar.deadline(clock.now(), cat.limit_kind, cat.limit_days)
            text = f"办理期限：{d.text}"
            if d.warning:
                text += f"\n{d.warning}"
            self.deadline_label.setText(text)
            self._rows.setRowVisible(self._deadline_row, True)

    # --- 网格上报
    def is_grid_report(self) -> bool:
        return self.channel.currentData() == Channel.GRID

    def offer_reporters(self) -> None:
        """网格上报: show the 上报网格员 row and offer the chosen grid's people (its 网格员
        first, filled in while nothing else is typed); other channels hide the row."""
        shown = self.is_grid_report()
        self._rows.setRowVisible(self.reporter, shown)
        if not self.visitors:
            return
        grid = self.lookups.grid(self.visitors[0].grid_choice.currentData())
        names = grid.workers if grid is not None else []
        typed = self.reporter.currentText()
        offered = [self.reporter.itemText(i) for i in range(self.reporter.count())]
        self.reporter.blockSignals(True)
        self.reporter.clear()
        self.reporter.addItems(names)
        keep = typed and typed not in offered  # typed by hand: kept whatever grid is chosen
        self.reporter.setEditText(typed if keep else (names[0] if names else ""))
        self.reporter.blockSignals(False)

    def hold_to_grid(self, village_id: uuid.UUID, grid_id: uuid.UUID, reporter: str) -> None:
        """A 网格员's form: 网格上报 in its own village and grid, which it cannot change, no
        承办单位, 承办人 or 当场解答 (the center's window routes what a grid reports)."""
        self._held = (village_id, grid_id, reporter)
        for w in (self.unit, self.handler, self.answered):
            self._rows.setRowVisible(w, False)
        self.channel.setEnabled(False)
        self._apply_held()

    def _apply_held(self) -> None:
        if self._held is None:
            return
        village_id, grid_id, reporter = self._held
        self.channel.setCurrentIndex(find_data(self.channel, Channel.GRID))
        first = self.visitors[0]
        first.village.setCurrentIndex(max(find_data(first.village, village_id), 0))
        grid = self.lookups.grid(grid_id)
        # Only its own grid is offered, in the village's place (the heading names the village,
        # which the grid implies), as wide as the fields beside it so its whole name shows.
        _only(first.village, first.village.currentText(), village_id)
        _only(first.grid_choice, grid.name if grid is not None else "本网格", grid_id)
        first.village.setVisible(False)
        first.village.setEnabled(False)
        first.grid_choice.setEnabled(False)
        self.offer_reporters()
        if not self.reporter.currentText():
            self.reporter.setEditText(reporter)

    def _answered_toggled(self, on: bool) -> None:
        self.answer.setVisible(on)
        self.answer_label.setVisible(on)
        self.unit.setEnabled(not on)
        self.handler.setEnabled(not on)
        if on:
            self.answer.setFocus()

    def value(self) -> IntakeInput:
        return IntakeInput(
            channel=self.channel.currentData(),
            visitors=[v.value() for v in self.visitors],
            category_id=self.category.currentData(),
            summary=self.summary.toPlainText(),
            unit_id=None if self.answered.isChecked() else self.unit.currentData(),
            handler_name="" if self.answered.isChecked() else self.handler.text(),
            is_group=self.is_group.isChecked(),
            head_count=self.head_count.value() if self.is_group.isChecked() else None,
            answer=self.answer.toPlainText() if self.answered.isChecked() else None,
            grid_id=self.visitors[0].grid_choice.currentData(),
            grid_reporter=self.reporter.currentText() if self.is_grid_report() else "",
        )

    def field_widgets(self) -> dict[str, QWidget]:
        widgets: dict[str, QWidget] = {
            "channel": self.channel,
            "category": self.category,
            "summary": self.summary,
            "answer": self.answer,
            "unit": self.unit,
            "handler": self.handler,
            "head_count": self.head_count,
        }
        if self.visitors:  # the matter's grid: chosen beside the first visitor's village
            widgets["grid"] = self.visitors[0].grid_choice
        widgets["grid_reporter"] = self.reporter
        for i, v in enumerate(self.visitors):
            for key, w in v.fields().items():
                widgets[f"visitors[{i}].{key}"] = w
        return widgets

    def show_errors(self, err: ValidationError) -> None:
        widgets = self.field_widgets()
        for w in widgets.values():
            _mark(w, False)
        first = None
        self._errors = dict(err.fields)
        for key in err.fields:
            w = widgets.get(key)
            if w is not None:
                _mark(w, True)
                first = first or w
        self.error.setText("\n".join(err.fields.values()))
        if first is not None:
            first.setFocus()

    def show_message(self, text: str) -> None:
        self._errors = {}
        self.error.setText(text)

    def show_refusal(self, exc: BaseException) -> None:
        """Why a save was refused, on the fields it names or above the form; everything typed
        stays."""
        if isinstance(exc, ValidationError):
            self.show_errors(exc)
        elif isinstance(exc, ServiceError | EnvironmentProblem):
            self.show_message(exc.message)
        else:
            self.show_message(f"保存时出错，内容仍保留在表单中，请重试：{exc}")

    def may_clear(self, parent: QWidget) -> bool:
        """新建: an empty form is cleared at once, a filled one only when the user says so."""
        if self.is_empty():
            return True
        return ask_to_give_up(parent, "新建登记", "表单中有尚未登记的内容，确定清空吗？")

    def restore_draft(self, drafts: DraftController, d: dict, parent: QWidget) -> None:
        """恢复草稿 (``drafts``' restore): over other typing only when the user says so; 否
        keeps that typing and the offer (the bar stays while the next visitor is served)."""
        if not self.is_empty() and not ask_to_give_up(
            parent, "恢复草稿", "表单中有尚未登记的内容，恢复草稿会替换它们，确定吗？"
        ):
            drafts.offer_again(d)
            return
        self.from_dict(d)

    def clear_errors(self) -> None:
        for w in self.field_widgets().values():
            _mark(w, False)
        self._errors = {}
        self.error.setText("")

    def reset(self) -> None:
        for v in list(self.visitors[1:]):
            self.remove_visitor(v)
        v = self.visitors[0]
        for w in (v.name, v.id_number, v.phone, v.address, self.handler):
            w.clear()
        v.problem.setVisible(False)
        v.offer_pinyin(False, "")
        v.clear_card()
        v.village.setCurrentIndex(0)
        self.channel.setCurrentIndex(0)
        self.category.setCurrentIndex(0)
        self.unit.setCurrentIndex(0)
        self.summary.clear()
        self.answer.clear()
        self.answered.setChecked(False)
        self.is_group.setChecked(False)
        self.head_count.setValue(0)
        self.reporter.setEditText("")
        self._apply_held()
        self.clear_errors()
        v.name.setFocus()

    def to_dict(self) -> dict:
        """What is typed, as plain JSON values (for the draft)."""
        return {
            "channel": str(self.channel.currentData()),
            "visitors": [
                {
                    "name": v.name.text(),
                    "id_number": v.id_number.text(),
                    "phone": v.phone.text(),
                    "address": v.address.text(),
                    "village": str(v.village.currentData()) if v.village.currentData() else None,
                    "grid": str(g) if (g := v.grid_choice.currentData()) else None,
                    "pinyin": v.typed_pinyin(),
                    "sex": v.sex.currentData() or "",
                    "nation": v.nation.currentData() or "",
                }
                for v in self.visitors
            ],
            "is_group": self.is_group.isChecked(),
            "head_count": self.head_count.value(),
            "category": str(self.category.currentData()) if self.category.currentData() else None,
            "summary": self.summary.toPlainText(),
            "answered": self.answered.isChecked(),
            "answer": self.answer.toPlainText(),
            "unit": str(self.unit.currentData()) if self.unit.currentData() else None,
            "handler": self.handler.text(),
            "reporter": self.reporter.currentText(),
        }

    def from_dict(self, d: dict) -> None:
        def pick(combo: QComboBox, value) -> None:
            for i in range(combo.count()):
                data = combo.itemData(i)
                if (str(data) if data is not None else None) == value:
                    combo.setCurrentIndex(i)
                    return

        self.reset()
        pick(self.channel, d.get("channel"))
        for i, vd in enumerate(d.get("visitors") or [{}]):
            editor = self.visitors[i] if i < len(self.visitors) else self.add_visitor()
            editor.name.setText(vd.get("name", ""))
            editor.id_number.setText(vd.get("id_number", ""))
            editor.phone.setText(vd.get("phone", ""))
            editor.address.setText(vd.get("address", ""))
            pick(editor.village, vd.get("village"))
            pick(editor.grid_choice, vd.get("grid"))
            if vd.get("pinyin"):
                editor.set_typed_pinyin(vd["pinyin"])
            pick(editor.sex, vd.get("sex") or "")
            pick(editor.nation, vd.get("nation") or "")
            editor._from_id_number()
        self.is_group.setChecked(bool(d.get("is_group")))
        self.head_count.setValue(int(d.get("head_count") or 0))
        pick(self.category, d.get("category"))
        self.summary.setPlainText(d.get("summary", ""))
        self.answered.setChecked(bool(d.get("answered")))
        self.answer.setPlainText(d.get("answer", ""))
        pick(self.unit, d.get("unit"))
        self.handler.setText(d.get("handler", ""))
        self._apply_held()
        if d.get("reporter"):
            self.reporter.setEditText(d["reporter"])

    def is_empty(self) -> bool:
        vals = self.value()
        return not (
            vals.summary.strip()
            or any(x.name.strip() or x.id_number.strip() or x.phone.strip() for x in vals.visitors)
        )


UNIT_DEFAULT = "（按类别默认）"
# 读卡: how long F2 waits for the reader, and how often (and how briefly) an open form asks it.
CARD_READ_TIMEOUT_S = 3.0
CARD_POLL_MS = 1000
CARD_POLL_TIMEOUT_S = 0.8
# Between the form's rows: tight, so that the whole form fits a 1366×768 laptop unscrolled.
FORM_ROW_SPACING = 4
FORM_COLUMN_SPACING = 6


def _has_value(w: QWidget) -> bool:
    if isinstance(w, QLineEdit):
        return bool(w.text().strip())
    if isinstance(w, QPlainTextEdit):
        return bool(w.toPlainText().strip())
    if isinstance(w, QComboBox):
        return w.currentData() is not None
    return True


class EarlierVisitsModel(RowsModel):
    """重复来访: the matters found for the people being typed in, newest first; a row's id is
    its matter's id and its tooltip the matter's summary."""

    def __init__(self, parent=None):
        super().__init__(["受理编号", "日期", "类别 · 状态", "匹配 · 当时姓名"], parent)
        self.summaries: dict[uuid.UUID, str] = {}

    def set_visits(self, visits: list[intake.EarlierVisit]) -> None:
        self.summaries = {ev.row.id: ev.row.summary for ev in visits}
        self.set_rows(
            Row(
                (
                    ev.row.number,
                    ev.row.received_at.strftime("%Y-%m-%d"),
                    f"{ev.row.category} · {ev.row.status.label}"
                    + ("·超期" if ev.row.overdue else ""),
                    f"{ev.matched_by} · {ev.person.name}" if ev.person else ev.matched_by,
                ),
                id=ev.row.id,
            )
            for ev in visits
        )

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        row = self.row_at(index.row()) if index.isValid() else None
        if role == Qt.ItemDataRole.ToolTipRole and row is not None:
            return self.summaries.get(row.id)
        return super().data(index, role)


class _FormPaneLayout(QVBoxLayout):
    """The scrolled form's layout. The form scrolls only when it cannot fit at its fields'
    minimum heights: without this, its word-wrapped labels make the scroll area ask for the
    preferred height, and the form scrolled while 事项摘要 could have been a little lower."""

    def hasHeightForWidth(self) -> bool:
        return False


def form_pane(form_box: QWidget, splitter: QSplitter | None = None) -> QScrollArea:
    """The intake form in its scroll area, as the reception window and the 网格员's screen
    show it: wide enough for the form and a vertical scroll bar, never a sideways one.

    With ``splitter`` the pane is put into it first and the box into the pane: a widget moved
    into a window under the theme's style sheet is styled again with all it holds, so a form
    moved in after it was filled was styled several times over (issue 17). A box filled
    afterwards is measured again with ``fit_form_pane``."""
    left = QWidget()
    lv = _FormPaneLayout(left)
    lv.setContentsMargins(0, 0, 0, 0)
    scroll = QScrollArea()
    if splitter is not None:
        splitter.addWidget(scroll)
    scroll.setWidget(left)
    scroll.setWidgetResizable(True)
    lv.addWidget(form_box)
    lv.addStretch(1)
    fit_form_pane(scroll)
    return scroll


def fit_form_pane(scroll: QScrollArea) -> None:
    """The form's pane as wide as the form it shows and a vertical scroll bar."""
    scroll.setMinimumWidth(
        max(
            460,
            scroll.widget().minimumSizeHint().width()
            + 2 * scroll.frameWidth()
            + scroll.verticalScrollBar().sizeHint().width(),
        )
    )


def matter_detail_html(d: detail.MatterDetail) -> str:
    """A matter's detail as the reception window (and the 网格员's screen) show it."""
    e = html.escape
    persons = "<br>".join(
        e(" · ".join(x for x in (p.name, p.id_number, p.phone, p.village, p.address) if x))
        + _person_facts(p)
        for p in d.persons
    )
    group = f"（群体性，{d.head_count} 人）" if d.is_group else ""
    rows = [
        ("受理编号", e(d.number)),
        ("受理时间", d.received_at.strftime("%Y-%m-%d %H:%M")),
        ("来源 · 类别", f"{e(d.channel.label)} · {e(d.category)}{group}"),
        ("群众", persons),
    ]
    if d.grid:
        rows.append(("网格", e(d.grid)))
    if d.grid_reporter:
        rows.append(("上报网格员", e(d.grid_reporter)))
    rows += [
        ("事项摘要", e(d.summary).replace("\n", "<br>")),
        ("承办", e(" · ".join(x for x in (d.unit, d.handler) if x) or "—")),
        ("首问责任人", e(d.receptionist)),
        ("状态", e(d.status.label)),
        ("办理期限", e(d.deadline_text)),
    ]
    if d.answer:
        rows.append(("解答内容", e(d.answer).replace("\n", "<br>")))
    table = "".join(
        f"<tr><td style='color:#555;padding-right:12px' valign='top'>{k}</td><td>{v}</td></tr>"
        for k, v in rows
    )
    events = "".join(
        f"<li><b>{ev.at.strftime('%Y-%m-%d %H:%M')}</b> {e(ev.kind)}"
        f"{'→' + e(ev.to_status) if ev.to_status else ''} · {e(ev.who)}"
        f"{'：' + e(ev.note) if ev.note else ''}</li>"
        for ev in d.events
    )
    return f"<table>{table}</table><h4>办理过程</h4><ul>{events}</ul>"


class ReceptionTab(QWidget):
    """The reception window. Signals: ``registered(str)`` with the new 受理编号."""

    registered = Signal(str)

    def __init__(
        self, ctx: ViewContext, lookups: Lookups, calendar: WorkCalendar | None, parent=None
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.lookups = lookups
        self.calendar = calendar
        self.last_registered: uuid.UUID | None = None
        self._print_target: uuid.UUID | None = None
        self.last_number = ""
        self.preview: PdfPreviewDialog | None = None
        self._saving = False

        # Left: the form and earlier visits.
        self.form = IntakeForm(lookups, calendar)
        self.form.submitted.connect(self.register)
        self.form.identity_edited.connect(lambda: self._earlier_timer.start())
        self.register_button = QPushButton("登记 (Enter)")
        self.register_button.setProperty("class", "success")
        self.register_button.clicked.connect(self.register)
        self.new_button = QPushButton("新建 (Ctrl+N)")
        self.new_button.clicked.connect(self.new_form)
        self.print_button = QPushButton("打印回执 (Ctrl+P)")
        self.print_button.clicked.connect(self.print_receipt)
        self.print_button.setEnabled(False)
        self.card_button = QPushButton("读卡 (F2)")
        self.card_button.setToolTip(
            "读取读卡器上的居民身份证，填入群众的姓名、身份证号、住址（F2）"
        )
        self.card_button.clicked.connect(lambda: self.read_card())
        self.card_message = MessageBar()
        self.card_message.setVisible(False)
        self.last_label = QuietLabel()
        self.last_label.setWordWrap(True)
        self.last_label.setVisible(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.register_button)
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.card_button)
        self.earlier = RowsView(EarlierVisitsModel())
        self.earlier.horizontalHeader().setStretchLastSection(True)
        set_column_widths(self.earlier, [(0, 138), (1, 90), (2, 110)])
        self.earlier.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.earlier.doubleClicked.connect(self._open_earlier)
        # 重复来访: beside the form, above the list, shown (highlighted) as soon as the person
        # being typed in has come before; hidden otherwise, so the list keeps its room.
        self.earlier_box = QGroupBox("重复来访：该群众以往事项")
        self.earlier_box.setObjectName("earlierBox")
        self.earlier_box.setStyleSheet(
            "QGroupBox#earlierBox { border: 2px solid #e67e22; border-radius: 4px;"
            " background: #fff8e1; margin-top: 18px; padding-top: 6px; }"
            "QGroupBox#earlierBox::title { subcontrol-origin: margin;"
            " subcontrol-position: top left; left: 8px; padding: 0 4px;"
            " color: #b35900; font-weight: bold; }"
        )
        eb = QVBoxLayout(self.earlier_box)
        self.earlier_hint = QLabel("输入姓名、身份证号或电话后，这里显示以往事项。")
        self.earlier_hint.setProperty("role", "hint")
        self.copy_button = QPushButton("带入此人信息 (Ctrl+D)")
        self.copy_button.setToolTip("把以往登记的姓名、身份证号、电话、住址、村社区填入表单")
        self.copy_button.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.copy_button.clicked.connect(self.copy_earlier_person)
        hint_row = QHBoxLayout()
        hint_row.addWidget(self.earlier_hint, 1)
        hint_row.addWidget(self.copy_button)
        eb.addLayout(hint_row)
        eb.addWidget(self.earlier)
        self.earlier_box.setMaximumHeight(250)
        self.earlier_box.setVisible(False)
        # The line at the top of the form: "此人以往来访 3 次，最近一次 11月28日，在办 1 件".
        self.repeat_line = QLabel()
        self.repeat_line.setObjectName("repeatLine")
        self.repeat_line.setWordWrap(True)
        self.repeat_line.setStyleSheet(
            "QLabel#repeatLine { background: #fff3cd; color: #7a4b00; border: 1px solid #e6a23c;"
            " border-radius: 3px; padding: 4px 6px; font-weight: bold; }"
        )
        self.repeat_line.setVisible(False)
        # (matter id, the visitor editor it was found for, that earlier visitor's particulars)
        self._earlier_people: list[tuple[uuid.UUID, VisitorEditor, intake.PersonCopy]] = []
        # Drafts: typing survives the program being killed.
        self.drafts = DraftController(
            ctx,
            self.DRAFT_FORM,
            lambda: None if self.form.is_empty() else self.form.to_dict(),
            clear_when_empty=True,
            parent=self,
        )
        self.drafts.restore.connect(lambda d: self.form.restore_draft(self.drafts, d, self))
        self.draft_bar = self.drafts.bar
        self.draft_label = self.draft_bar.label
        self.restore_draft_button = self.draft_bar.restore_button
        self.discard_draft_button = self.draft_bar.discard_button
        # The frame first, then what it holds (see form_pane): each widget is moved into the
        # window once, with only what it holds by then.
        layout = QVBoxLayout(self)
        split = QSplitter(Qt.Orientation.Horizontal)
        layout.addWidget(split)
        form_box = QGroupBox(f"登记（首问责任人：{ctx.actor.display_name}）")
        # The theme's group-box paddings (16 px, 36 above) are for a roomy page; the form must
        # fit a 1366×768 laptop whole, so its box keeps only room for its title.
        form_box.setObjectName("intakeBox")
        form_box.setStyleSheet(
            "QGroupBox#intakeBox { padding: 6px; padding-top: 24px; }"
            "QGroupBox#intakeBox::title { padding: 4px 10px; height: 18px; }"
        )
        fb = QVBoxLayout(form_box)
        fb.setContentsMargins(4, 0, 4, 0)
        fb.setSpacing(FORM_ROW_SPACING)
        self.scroll = scroll = form_pane(form_box, split)
        fb.addWidget(self.repeat_line)
        fb.addWidget(self.draft_bar)
        fb.addWidget(self.form)
        fb.addLayout(buttons)
        fb.addWidget(self.card_message)
        fb.addWidget(self.last_label)
        fit_form_pane(scroll)
        right_split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(right_split)
        top = QWidget()
        right_split.addWidget(top)
        tv = QVBoxLayout(top)
        tv.setContentsMargins(0, 0, 0, 0)

        # Right: filters, list, detail.
        self.search = QLineEdit()
        self.search.setPlaceholderText("搜索：编号、姓名、拼音或首字母、电话尾号、摘要（Ctrl+F）")
        self.search.setClearButtonEnabled(True)
        self.status_filter = QComboBox()
        self.status_filter.addItem("今日及未办结", OPEN_OR_TODAY)
        self.status_filter.addItem("全部状态", ALL)
        for st in MatterStatus:
            self.status_filter.addItem(st.label, st)
        self.category_filter = QComboBox()
        self.category_filter.addItem("全部类别", None)
        for c in lookups.all_categories or lookups.categories:
            self.category_filter.addItem(c.name, c.id)
        self.overdue_filter = QCheckBox("只看超期")
        self.count_label = QLabel()
        filters = QHBoxLayout()
        filters.addWidget(self.search, 3)
        filters.addWidget(self.status_filter, 1)
        filters.addWidget(self.category_filter, 1)
        filters.addWidget(self.overdue_filter)
        filters.addWidget(self.count_label)
        self.model = MatterTableModel(self._fetch_rows, self)
        # 来源 shows in the matter's detail below; the summary keeps the room at 1366×768.
        self.table = matter_table(self.model)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        self.detail = QTextBrowser()
        self.detail.setOpenLinks(False)
        self.detail.setPlaceholderText("选择一件事项查看详情和办理过程")
        tv.addWidget(self.earlier_box)
        tv.addLayout(filters)
        tv.addWidget(self.table)
        right_split.addWidget(self.detail)
        right_split.setSizes([520, 280])
        split.setSizes([470, 970])

        # Timers, shortcuts, refresh.
        self._earlier_timer = QTimer(self, singleShot=True, interval=300)
        self._earlier_timer.timeout.connect(self._look_up_earlier)
        self._search_timer = QTimer(self, singleShot=True, interval=250)
        self._search_timer.timeout.connect(self.reload)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.status_filter.currentIndexChanged.connect(self.reload)
        self.category_filter.currentIndexChanged.connect(self.reload)
        self.overdue_filter.toggled.connect(self.reload)
        tab_shortcut(self, QKeySequence.StandardKey.New, self.new_form)
        tab_shortcut(self, QKeySequence.StandardKey.Print, self.print_receipt)
        tab_shortcut(self, QKeySequence.StandardKey.Find, self._focus_search)
        tab_shortcut(self, QKeySequence("Ctrl+D"), self.copy_earlier_person)
        tab_shortcut(self, QKeySequence("F2"), lambda: self.read_card())
        # 读卡: this terminal's reader (系统设置 → 本终端设备), opened on first use.
        self.card_settings: Callable[[], ReaderSettings] = load_reader_settings
        self._card_source = None
        self._card_source_settings: ReaderSettings | None = None
        self._card_reading = False
        self._card_poll_paused = False
        self._last_card = ""
        self._card_poll = QTimer(self, interval=CARD_POLL_MS)
        self._card_poll.timeout.connect(self._poll_card)
        self._card_poll.start()
        ctx.bus.changed.connect(self._data_changed)
        self.form.changed.connect(self.drafts.edited)
        self.drafts.offer(
            lambda at, _d: f"发现 {at:%m-%d %H:%M} 未登记的表单内容（程序上次可能被意外关闭）。"
        )
        self.reload()
        QTimer.singleShot(PRINT_WARM_UP_MS, self, self._warm_up_printing)

    DRAFT_FORM = "intake"

    # --- registering
    def register(self) -> None:
        if self._saving:
            return
        data = self.form.value()
        self.form.clear_errors()
        self._saving = True
        self.register_button.setEnabled(False)
        actor = self.ctx.actor
        self.ctx.worker.submit(
            op(intake.register_matter, actor, data), self._registered, self._register_failed
        )

    def _registered(self, result: intake.Registered) -> None:
        self._saving = False
        self.register_button.setEnabled(True)
        self.last_registered = self._print_target = result.id
        self.last_number = result.number
        self.print_button.setEnabled(True)
        msg = f"已登记：{result.number}，{result.status.label}，期限 {result.deadline_text}"
        if result.calendar_warning:
            msg += f"\n{result.calendar_warning}"
        self.last_label.setText(msg)
        self.form.reset()
        self.drafts.clear()
        self._show_earlier([])
        self.registered.emit(result.number)
        self._print_receipt(directly=preferences.receipt_direct())  # 回执直接打印

    def _register_failed(self, exc: BaseException) -> None:
        # The form keeps everything typed: nothing is cleared on a refused save.
        self._saving = False
        self.register_button.setEnabled(True)
        self.form.show_refusal(exc)

    def new_form(self) -> None:
        if not self.form.may_clear(self):
            return
        self.form.reset()
        self.drafts.clear()
        self._show_earlier([])
        self.focus_name_field()

    def focus_name_field(self) -> None:
        """Put the cursor in the first visitor's name, scrolled into view (Ctrl+N; the main
        window calls this after log-in and unlock)."""
        name = self.form.visitors[0].name
        self._scroll_to(name, 60)
        if self.scroll.verticalScrollBar().value() and self.repeat_line.isVisible():
            self._scroll_to(self.repeat_line, 10)
            self._scroll_to(name, 10)  # the name field before all
        name.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _scroll_to(self, widget: QWidget, margin: int) -> None:
        """The whole of ``widget`` in view, ``margin`` pixels around it where there is room
        (QScrollArea.ensureWidgetVisible is content once a line edit's cursor shows, even
        with the field's top edge cut off)."""
        bar, content = self.scroll.verticalScrollBar(), self.scroll.widget()
        top = widget.mapTo(content, QPoint(0, 0)).y()
        bottom, seen = top + widget.height(), self.scroll.viewport().height()
        if top - margin < bar.value():
            bar.setValue(max(0, top - margin))
        elif bottom + margin > bar.value() + seen:
            bar.setValue(min(top - margin, bottom + margin - seen))

    # --- the ID card reader
    def _source(self, settings: ReaderSettings):
        if settings != self._card_source_settings:
            if self._card_source is not None:
                self._card_source.close()
            self._card_source = None
            self._card_source_settings = settings
            self._card_poll_paused = False
        if self._card_source is None:
            self._card_source = open_source(settings)
        return self._card_source

    def read_card(self, polled: bool = False) -> None:
        """读卡 (F2): read the card on the reader off the GUI thread and fill the form. A
        failure is one line under the buttons; the form stays as it was."""
        if self._card_reading:
            return
        try:
            source = self._source(self.card_settings())
        except CardReaderError as exc:
            if not polled:
                self._card_said(exc.message, "error")
            return
        self._card_reading = True
        if not polled:
            self.card_button.setEnabled(False)
            self._card_said("正在读卡…", "info")
        timeout = CARD_POLL_TIMEOUT_S if polled else CARD_READ_TIMEOUT_S
        run_in_background(
            lambda: source.read_card(timeout),
            lambda card: self._card_read(card, polled),
            lambda exc: self._card_failed(exc, polled),
        )

    def _poll_card(self) -> None:
        """放卡即读: while the form is shown and the setting is on, a card placed on the
        reader fills the form; an empty reader says nothing."""
        if self._card_reading or self._saving or not self.isVisible():
            return
        settings = self.card_settings()
        if not settings.poll or settings.kind == "off":
            return
        if self._card_poll_paused and settings == self._card_source_settings:
            return  # no reader found: polling waits for F2 or other settings
        self.read_card(polled=True)

    def _card_said(self, text: str, level: str) -> None:
        self.card_message.say(text, level)
        self.card_message.setVisible(bool(text))

    def _card_read(self, card: CardData, polled: bool) -> None:
        self._card_reading = False
        self.card_button.setEnabled(True)
        if polled and card.id_number == self._last_card:
            return  # the card still on the reader: filled once, it must be lifted first
        self._last_card = card.id_number
        editor = self.form.fill_from_card(card)
        warnings = card_warnings(card)
        said = (
            f"已读卡：{editor.title.text()} {card.name} · {card.sex} · {card.nation}"
            f" · 有效期 {card.validity_text()}"
        )
        self._card_said("\n".join([said, *warnings]), "warning" if warnings else "success")
        self.form.category.setFocus(Qt.FocusReason.OtherFocusReason)  # what is left: the matter

    def _card_failed(self, exc: BaseException, polled: bool) -> None:
        self._card_reading = False
        self.card_button.setEnabled(True)
        if polled and isinstance(exc, NoCard):
            self._last_card = ""  # the card was lifted: placed again, it fills the form again
            return
        # No reader: polling stops asking (probing ports each second) until F2 or new settings.
        self._card_poll_paused = polled and isinstance(exc, ReaderNotFound)
        if isinstance(exc, CardReaderError):
            self._card_said(exc.message, "error")
        else:
            self._card_said(f"读卡失败：{exc}。请重新放卡，或手工录入", "error")

    # --- receipt
    def _warm_up_printing(self) -> None:
        """ReportLab, the receipt's fonts and PDFium are loaded on the worker once the window is
        up and nobody is waiting, not while it opens; the first receipt then prints as quickly
        as the next."""

        def warm_up() -> None:
            from app.reports import receipt

            receipt.warm_up()  # ReportLab and the receipt's faces
            pdf_preview_dialog.warm_up()
            # Not pypinyin: its tables hold 55 MB, loaded when a name or a type-ahead first
            # needs them (on the worker for a visitor's name), not for every log-in (issue 17).

        # Off the database worker: it needs no session, and the list's jobs need not wait.
        run_in_background(warm_up, lambda _r: None, lambda _e: None)

    def print_receipt(self) -> None:
        self._print_receipt(directly=False)  # Ctrl+P: always the preview

    def _print_receipt(self, directly: bool) -> None:
        # The matter last registered or last selected in the list, whichever came later.
        matter_id = self._print_target
        if matter_id is None:
            self.form.show_message("请先登记一件事项，或在列表中选择一件事项再打印回执。")
            return
        from app.services.reception import receipts  # no ReportLab: the report imports it

        # ReportLab is imported on the worker, as the receipt is rendered (at once if the
        # warm-up has not done it yet), never on the GUI thread, which would freeze the window.
        self.ctx.worker.submit(
            op(receipts.render_receipt_pdf, self.ctx.actor, matter_id),
            lambda result: self._show_receipt(result, matter_id, directly),
            lambda e: self.form.show_message(getattr(e, "message", str(e))),
        )

    def _show_receipt(
        self, result: tuple[str, bytes], matter_id: uuid.UUID, directly: bool = False
    ) -> None:
        number, pdf = result
        if self.preview is not None:
            self.preview.close()
            self.preview.deleteLater()  # its page images go too, not kept till log-out
        self.preview = PdfPreviewDialog(
            pdf, f"受理回执 {number}", f"受理回执-{number}.pdf", self, kind="receipt"
        )
        # Recorded on the matter's timeline only once the job was handed to the printer.
        self.preview.printed.connect(lambda _name: self._receipt_printed(matter_id))
        fresh = number == self.last_number and self.form.is_empty()
        if directly and self.preview.print_directly():
            self.last_label.setText(
                self.last_label.text() + f"\n{self.preview.message.text()}按 Ctrl+P 预览。"
            )
            return
        self.preview.finished.connect(lambda _r: self._receipt_closed(fresh))
        self.preview.open()

    def _receipt_printed(self, matter_id: uuid.UUID) -> None:
        failed = lambda e: self.form.show_message(getattr(e, "message", str(e)))  # noqa: E731
        from app.services.reception import receipts  # loaded already: it made the PDF

        job = op(receipts.record_receipt_print, self.ctx.actor, matter_id)
        self.ctx.worker.submit(job, None, failed)

    def _receipt_closed(self, fresh: bool) -> None:
        """The window takes the keyboard back; after a registration's receipt, the cursor
        waits in the name field for the next visitor."""
        self.window().activateWindow()
        if fresh and self.form.is_empty():
            self.focus_name_field()

    # --- earlier visits
    def _look_up_earlier(self) -> None:
        editors = list(self.form.visitors)
        typed = [
            (
                v.name.text(),
                v.id_number.text(),
                v.phone.text(),
                v.typed_pinyin(),
            )
            for v in editors
        ]
        actor = self.ctx.actor

        def look(session):
            from app.services import pinyin

            found: dict[uuid.UUID, tuple[int, intake.EarlierVisit]] = {}
            readings = []
            for k, (n, i, p, py) in enumerate(typed):
                for ev in intake.earlier_visits(
                    session, actor, name=n, id_number=i, phone=p, pinyin=py
                ):
                    found.setdefault(ev.row.id, (k, ev))
                readings.append((pinyin.lacks_reading(n), pinyin.suggested_pinyin(n)))
            visits = sorted(found.values(), key=lambda e: e[1].row.received_at, reverse=True)
            return visits, readings

        def looked(result) -> None:
            visits, readings = result
            for editor, (lacks, suggestion) in zip(editors, readings, strict=True):
                if editor in self.form.visitors:  # not removed meanwhile
                    editor.offer_pinyin(lacks, suggestion)
            self._show_earlier(
                [ev for _k, ev in visits],
                [(ev.row.id, editors[k], ev.person) for k, ev in visits if ev.person],
            )

        self.ctx.worker.submit(look, looked)

    def _show_earlier(
        self,
        visits: list[intake.EarlierVisit],
        people: list[tuple[uuid.UUID, VisitorEditor, intake.PersonCopy]] | None = None,
    ) -> None:
        self.earlier.rows_model.set_visits(visits)
        self.earlier.resizeColumnsToContents()
        self._earlier_people = people or []
        if visits:
            self.earlier_box.setTitle(f"重复来访：找到以往事项 {len(visits)} 件")
            self.earlier_hint.setText("双击查看详情；Ctrl+D 把此人信息带入表单。")
            self.repeat_line.setText(intake.repeat_summary(visits) + "（Ctrl+D 带入信息）")
        else:
            self.earlier_box.setTitle("重复来访：该群众以往事项")
            self.earlier_hint.setText("输入姓名、身份证号或电话后，这里显示以往事项。")
        self.earlier_box.setVisible(bool(visits))
        self.repeat_line.setVisible(bool(visits))
        self.copy_button.setEnabled(bool(self._earlier_people))

    def copy_earlier_person(self) -> None:
        """带入信息 (Ctrl+D): the earlier visitor of the row chosen in 重复来访, else of the
        newest earlier matter, is copied into the visitor it was found for."""
        if not self._earlier_people:
            return
        chosen = self.earlier.currentIndex()
        _id, editor, person = self._earlier_people[0]
        if chosen.isValid():
            matter_id = chosen.data(ID_ROLE)
            for mid, ed, p in self._earlier_people:
                if mid == matter_id:
                    editor, person = ed, p
                    break
        if editor not in self.form.visitors:
            editor = self.form.visitors[0]
        editor.fill(person)
        self.form.changed.emit()
        self.form.category.setFocus()  # what is left to do: the matter itself

    def _open_earlier(self, index: QModelIndex) -> None:
        matter_id = index.data(ID_ROLE)
        if matter_id is not None:
            self.show_detail(matter_id)

    # --- list and detail
    def current_filter(self) -> MatterFilter:
        status = self.status_filter.currentData()
        f = MatterFilter(
            query=self.search.text(),
            category_id=self.category_filter.currentData(),
            overdue_only=self.overdue_filter.isChecked(),
            today=clock.today(),
        )
        if isinstance(status, MatterStatus):
            f.statuses = frozenset({status})
        elif status == OPEN_OR_TODAY and not f.query.strip():
            f.open_or_today = True
        return f

    def reload(self) -> None:
        load_matter_list(
            self,
            self.ctx.worker,
            self.ctx.actor,
            self.current_filter(),
            self.calendar,
            self.model,
            self.count_label,
        )

    def _fetch_rows(self, ids, callback) -> None:
        actor = self.ctx.actor
        cal = self.calendar
        self.ctx.worker.submit(op(intake.matter_rows, actor, ids, calendar=cal), callback)

    def selected_matter_id(self) -> uuid.UUID | None:
        idx = self.table.currentIndex()
        return self.model.data(idx, ID_ROLE) if idx.isValid() else None

    def _row_changed(self, current, _previous) -> None:
        if current.isValid():
            self._print_target = self.model.data(current, ID_ROLE)
            self.print_button.setEnabled(True)
            self.show_detail(self._print_target)

    def show_detail(self, matter_id: uuid.UUID) -> None:
        actor = self.ctx.actor
        self.ctx.worker.submit(op(detail.matter_detail, actor, matter_id), self._render_detail)

    def select_matter(self, matter_id: uuid.UUID) -> None:
        select_matter_row(self.table, self.model, matter_id)

    def _render_detail(self, d: detail.MatterDetail) -> None:
        self.detail.setHtml(matter_detail_html(d))

    def _focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _data_changed(self, changes: Changes) -> None:
        if kinds.MATTERS in changes:
            self.reload()
        if kinds.CALENDAR in changes or kinds.REFERENCE in changes:
            self.ctx.worker.submit(
                lambda s: (load_lookups(s), WorkCalendar.load(s)), self._reference_loaded
            )

    def _reference_loaded(self, result) -> None:
        self.lookups, self.calendar = result
        self.form.calendar = self.calendar
        # 中心资料 changed: the choices follow (what was chosen stays chosen).
        self.form.set_lookups(self.lookups)
        _refill(
            self.category_filter,
            [(c.name, c.id) for c in self.lookups.all_categories or self.lookups.categories],
        )
