"""暖心工作室: clients, sessions with confidential notes, care plans, follow-ups, alerts.

Counsellors open the notes with their password; the key lives in memory only and is dropped
when the tab is locked, the terminal locks or the user logs out. The notes editor saves as it
goes, straight to the database and encrypted: a note draft never goes to the draft files, and
unsaved typing (at most the last 1.5 s) is in memory only. The director sees the alerts and the
overview (who, risk, since when, who is responsible, follow-up status), never the notes.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, datetime

from PySide6.QtCore import QDate, QDateTime, Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.core import clock
from app.core.errors import ValidationError
from app.core.ops import op
from app.models import (
    ActivityKind,
    ClientSource,
    ConsentKind,
    RiskLevel,
    Role,
    SessionForm,
    TargetGroup,
)
from app.services.rooms import counselling
from app.services.security import notes_keys
from app.services.security.notes_keys import NotesKeyHandle
from app.services.security.permissions import Action, allowed

from .bus import COUNSELLING
from .context import ViewContext
from .messages import error_text
from .pdf_preview_dialog import PdfPreviewDialog
from .widgets import (
    HIDDEN_AT_LOCK,
    DateEdit,
    FormDialog,
    Row,
    enum_combo,
    load_when_shown,
    rows_view,
    run_op,
    still_hidden_at_lock,
)

AUTOSAVE_MS = 1500


def _d(value: date | datetime | None) -> str:
    if value is None:
        return ""
    return value.strftime("%Y-%m-%d %H:%M" if isinstance(value, datetime) else "%Y-%m-%d")


def _date_edit(day: QDate) -> QDateEdit:
    """A date field showing 2026-12-03, as everywhere else (not the locale's 2026/12/3); a whole
    date typed over the year sets the whole date, as in every other date field."""
    return DateEdit(day)


def _datetime_edit(at: QDateTime) -> QDateTimeEdit:
    edit = QDateTimeEdit(at)
    edit.setDisplayFormat("yyyy-MM-dd HH:mm")
    edit.setCalendarPopup(True)
    return edit


class CounsellingTab(QWidget):
    """Signals: none (listens to ``bus.changed`` for COUNSELLING)."""

    def __init__(self, ctx: ViewContext, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.is_counsellor = allowed(ctx.actor, Action.COUNSELLING_NOTES)
        self.key: NotesKeyHandle | None = None
        self.open_before_lock = False
        self.clients: list[counselling.ClientRow] = []
        self.file: counselling.ClientFile | None = None
        self.current_session: uuid.UUID | None = None
        self.dialog: QDialog | None = None
        self._dialog_after_unlock: FormDialog | None = None
        self.preview: PdfPreviewDialog | None = None
        self._loading_notes = False
        self._dirty = False  # the editor holds text not yet saved
        # A session's notes whose save was refused, by session: kept in this process only
        # (never in a draft file) and shown again when the session is, to be put right.
        self._unsaved: dict[uuid.UUID, str] = {}
        self.pages = QTabWidget()
        if self.is_counsellor:
            self.stack = QStackedWidget()
            self.stack.addWidget(self._build_lock_page())
            self.stack.addWidget(self._build_work_page())
            self.pages.addTab(self.stack, "来访者与咨询记录")
            self.due_table = rows_view(["来访者", "应回访日期", "状态", "风险"], 0)
            self.due_table.doubleClicked.connect(self._open_due)
            self.pages.addTab(self.due_table, "待回访")
        people = ["来访者", "风险", "起始日期", "责任咨询师", "上次联系", "跟踪帮扶"]
        widths = ((0, 180), (1, 60), (2, 110), (3, 110), (4, 100))
        self.alert_table = rows_view(people, 5, widths)
        self.overview_table = rows_view(people, 5, widths)
        alerts = QWidget()
        av = QVBoxLayout(alerts)
        note = QLabel(
            "风险为“高”或“危机”的来访者。这里只显示是谁、从何时起、由谁负责和回访情况，不含任何谈话内容。"
        )
        note.setWordWrap(True)
        note.setProperty("role", "hint")
        av.addWidget(note)
        if ctx.actor.role == Role.DIRECTOR:
            # The director's log-in alert: a 危机 client without contact for this many days.
            self.contact_days = QSpinBox(minimum=1, maximum=30, suffix=" 天")
            self.contact_days.setValue(ctx.settings.crisis_contact_days)
            save_days = QPushButton("保存")
            save_days.clicked.connect(self.save_contact_days)
            days_row = QHBoxLayout()
            days_row.addWidget(QLabel("危机来访者超过"))
            days_row.addWidget(self.contact_days)
            days_row.addWidget(QLabel("未联系时，登录时提醒我"))
            days_row.addWidget(save_days)
            days_row.addStretch(1)
            av.addLayout(days_row)
        av.addWidget(self.alert_table, 2)
        av.addWidget(QLabel("全部在册来访者"))
        av.addWidget(self.overview_table, 3)
        self.pages.addTab(alerts, "风险预警")
        self.activity_table = rows_view(["日期", "类型", "主题", "对象", "人数", "合作单位"], 2)
        act = QWidget()
        acv = QVBoxLayout(act)
        acv.addWidget(self.activity_table)
        if self.is_counsellor:
            add = QPushButton("登记活动…")
            add.clicked.connect(self.new_activity)
            acv.addWidget(add, 0, Qt.AlignmentFlag.AlignLeft)
        self.pages.addTab(act, "团体活动与宣传")
        self.status = QLabel()
        self.status.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)
        layout.addWidget(self.status)
        self._save_timer = QTimer(self, singleShot=True, interval=AUTOSAVE_MS)
        self._save_timer.timeout.connect(self.save_notes_now)
        ctx.bus.watch(self, [COUNSELLING], self.reload)
        load_when_shown(self, self.reload)

    # --- building
    def _build_lock_page(self) -> QWidget:
        page = QWidget()
        self.lock_message = QLabel()
        self.lock_message.setWordWrap(True)
        # (a wrapped label centred in the column gets too little room and clips its lines)
        self.lock_message.setMinimumWidth(480)
        self.lock_message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.unlock_password = QLineEdit()
        self.unlock_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.unlock_password.setPlaceholderText("您的登录密码")
        # Wide enough to see the dots of a long password as one types it.
        self.unlock_password.setFixedWidth(
            max(320, self.unlock_password.fontMetrics().horizontalAdvance("0" * 32) + 24)
        )
        self.unlock_password.returnPressed.connect(self.unlock)
        self.unlock_button = QPushButton("打开咨询记录")
        self.unlock_button.clicked.connect(self.unlock)
        self.recover_button = QPushButton("用恢复密钥恢复…")
        self.recover_button.clicked.connect(self.recover)
        self.unlock_error = QLabel()
        self.unlock_error.setProperty("role", "error")
        self.unlock_error.setWordWrap(True)
        title = QLabel("咨询记录已加密锁定")
        title.setProperty("role", "title")
        v = QVBoxLayout(page)
        v.addStretch(1)
        for w in (
            title,
            self.lock_message,
            self.unlock_password,
            self.unlock_button,
            self.recover_button,
            self.unlock_error,
        ):
            v.addWidget(w, 0, Qt.AlignmentFlag.AlignHCenter)
        v.addStretch(2)
        return page

    def _build_work_page(self) -> QWidget:
        self.search = QLineEdit()
        self.search.setPlaceholderText("在咨询记录中查找（只在本机内存中解密查找）")
        self.search.returnPressed.connect(self.search_notes)
        self.search_results = QListWidget()
        self.search_results.setVisible(False)
        self.search_results.itemActivated.connect(self._open_hit)
        self.search_results.itemDoubleClicked.connect(self._open_hit)
        self.client_table = rows_view(
            ["来访者", "人群", "风险", "上次咨询", "下次回访"],
            0,
            ((1, 76), (2, 48), (3, 92), (4, 92)),
        )
        self.client_table.selectionModel().selectionChanged.connect(self._client_selected)
        new_client = QPushButton("新来访者…")
        new_client.clicked.connect(self.new_client)
        lock = QPushButton("锁定咨询记录")
        lock.clicked.connect(self.lock_notes)
        grant = QPushButton("授权同事…")
        grant.clicked.connect(self.grant)
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.addWidget(self.search)
        lv.addWidget(self.search_results)
        lv.addWidget(self.client_table, 1)
        row = QHBoxLayout()
        for b in (new_client, grant, lock):
            row.addWidget(b)
        lv.addLayout(row)
        self.client_header = QLabel("请从左侧选择来访者。")
        self.client_header.setProperty("role", "title")
        self.session_table = rows_view(
            ["日期", "形式", "时长", "风险", "咨询师", "下次预约"],
            5,
            ((0, 100), (1, 90), (2, 80), (3, 56), (4, 90)),
        )
        self.session_table.selectionModel().selectionChanged.connect(self._session_selected)
        self.risk_basis = QLabel()
        self.risk_basis.setWordWrap(True)
        self.notes = QPlainTextEdit()
        self.notes.setPlaceholderText("咨询记录（边写边加密保存）")
        self.notes.setEnabled(False)
        self.notes.textChanged.connect(self._notes_edited)
        self.save_state = QLabel()
        self.save_state.setProperty("role", "hint")
        self.plan_table = rows_view(
            ["帮扶目标", "跟踪人", "间隔", "下次回访", "转介", "状态"],
            0,
            ((1, 80), (2, 56), (3, 100), (4, 200), (5, 70)),
        )
        buttons = QHBoxLayout()
        self.session_button = QPushButton("新咨询记录…")
        self.session_button.clicked.connect(self.new_session)
        self.plan_button = QPushButton("跟踪帮扶计划…")
        self.plan_button.clicked.connect(self.new_plan)
        self.follow_button = QPushButton("记录回访…")
        self.follow_button.clicked.connect(self.follow_up)
        self.close_plan_button = QPushButton("结束帮扶…")
        self.close_plan_button.clicked.connect(self.close_plan)
        self.referral_button = QPushButton("转介摘要…")
        self.referral_button.clicked.connect(self.referral)
        for b in (
            self.session_button,
            self.plan_button,
            self.follow_button,
            self.close_plan_button,
            self.referral_button,
        ):
            b.setEnabled(False)
            buttons.addWidget(b)
        buttons.addStretch(1)
        right = QWidget()
        rv = QVBoxLayout(right)
        rv.addWidget(self.client_header)
        rv.addLayout(buttons)
        rv.addWidget(self.session_table, 2)
        rv.addWidget(self.risk_basis)
        rv.addWidget(self.notes, 4)
        rv.addWidget(self.save_state)
        rv.addWidget(QLabel("跟踪帮扶"))
        rv.addWidget(self.plan_table, 2)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([480, 940])
        return split

    # --- loading
    def reload(self) -> None:
        actor, key, submit = self.ctx.actor, self.key, self.ctx.worker.submit
        submit(op(counselling.crisis_alerts, actor), self._show_alerts, self._failed)
        submit(
            op(counselling.client_overview, actor),
            lambda rows: self.overview_table.set_rows(self._people(rows)),
            self._failed,
        )
        submit(op(counselling.list_activities, actor), self._show_activities, self._failed)
        if not self.is_counsellor:
            return
        submit(op(notes_keys.access_state, actor), self._show_access, self._failed)
        submit(op(counselling.due_follow_ups, actor), self._show_due, self._failed)
        if key is not None and key.is_open:
            submit(op(counselling.list_clients, actor), self._show_clients, self._failed)

    @staticmethod
    def _people(rows: list[counselling.AlertRow]) -> list[Row]:
        """危机 in red (the service lists them first)."""
        return [
            Row(
                (
                    a.label,
                    a.risk_level.label,
                    _d(a.since),
                    a.counsellor,
                    a.since_contact_text,
                    a.follow_up,
                ),
                a.client_id,
                "overdue" if a.risk_level == RiskLevel.CRISIS else None,
            )
            for a in rows
        ]

    def save_contact_days(self) -> None:
        days = self.contact_days.value()

        def done(value: int) -> None:
            self.ctx.settings = replace(self.ctx.settings, crisis_contact_days=value)

        run_op(
            self.ctx,
            op(counselling.set_crisis_contact_days, self.ctx.actor, days),
            done_text=f"已保存：危机来访者超过 {days} 天未联系时登录提醒。",
            message=self.status,
            done=done,
        )

    def _show_alerts(self, alerts: list[counselling.AlertRow]) -> None:
        self.alert_table.set_rows(self._people(alerts))
        if alerts:
            crisis = sum(a.risk_level == RiskLevel.CRISIS for a in alerts)
            self.pages.setTabText(self.pages.count() - 2, f"风险预警（{len(alerts)}）")
            self.status.setText(
                f"风险预警：{len(alerts)} 名来访者风险为高或危机（危机 {crisis} 名）。"
            )

    def _show_activities(self, rows: list[counselling.ActivityRow]) -> None:
        self.activity_table.set_rows(
            Row((_d(a.held_on), a.kind.label, a.topic, a.audience, str(a.attendance), a.partners))
            for a in rows
        )

    def _show_access(self, state: notes_keys.AccessState) -> None:
        self.lock_message.setText(notes_keys.ACCESS_MESSAGES[state])
        self.unlock_button.setEnabled(state != notes_keys.AccessState.NO_RECOVERY)

    def _show_due(self, due: list[counselling.DueFollowUp]) -> None:
        self.due = due
        self.due_table.set_rows(
            Row(
                (f.label, _d(f.due_on), "已逾期" if f.overdue else "将到期", f.risk_level.label),
                f.client_id,
            )
            for f in due
        )
        self.pages.setTabText(1, f"待回访（{len(due)}）" if due else "待回访")

    def _show_clients(self, rows: list[counselling.ClientRow]) -> None:
        if not self.notes_open:
            return  # locked meanwhile: show nothing
        selected = self.file.client.id if self.file else None
        self.clients = rows
        selection = self.client_table.selectionModel()
        selection.blockSignals(True)
        self.client_table.set_rows(
            Row(
                (
                    r.label,
                    r.target_group.label,
                    r.risk_level.label,
                    _d(r.last_session),
                    _d(r.next_follow_up),
                ),
                r.id,
            )
            for r in rows
        )
        for i, r in enumerate(rows):
            if r.id == selected:
                self.client_table.selectRow(i)
        selection.blockSignals(False)

    def _failed(self, exc: BaseException) -> None:
        self.status.setText(error_text(exc))

    # --- key
    @property
    def notes_open(self) -> bool:
        return self.key is not None and self.key.is_open

    def unlock(self, password: str | None = None) -> None:
        password = password if isinstance(password, str) else self.unlock_password.text()
        if not password:
            self.unlock_error.setText("请输入您的登录密码。")
            return
        actor = self.ctx.actor
        self.unlock_button.setEnabled(False)
        self.ctx.worker.submit(
            op(notes_keys.unlock, actor, password), self._unlocked, self._unlock_failed
        )

    def _unlocked(self, key: NotesKeyHandle) -> None:
        self.key = key
        waiting, self._dialog_after_unlock = self._dialog_after_unlock, None
        if waiting is not None and still_hidden_at_lock(waiting):
            waiting.open()  # a form left half-typed at the lock
        self.unlock_password.clear()
        self.unlock_error.clear()
        self.unlock_button.setEnabled(True)
        self.stack.setCurrentIndex(1)
        self.search.setFocus()
        self.reload()

    def _unlock_failed(self, exc: BaseException) -> None:
        self.unlock_button.setEnabled(True)
        self.unlock_error.setText(error_text(exc))
        self.unlock_password.selectAll()

    def lock_notes(self) -> None:
        """Save what is typed, then forget the key and every decrypted text on screen."""
        if not self.is_counsellor:
            return
        self.open_before_lock = self.notes_open
        self.save_notes_now()
        key, self.key = self.key, None
        if key is not None:
            # After the save queued above (one worker, in order), then dropped.
            self.ctx.worker.submit(lambda _s: key.drop())
        self.file = None
        self.current_session = None
        self.clients = []
        self._loading_notes = True
        self.notes.clear()
        self.notes.setEnabled(False)
        self._loading_notes = False
        self.search.clear()
        self.search_results.clear()
        self.search_results.setVisible(False)
        self.risk_basis.clear()
        self.save_state.clear()
        self.client_header.setText("请从左侧选择来访者。")
        for t in (self.client_table, self.session_table, self.plan_table):
            t.set_rows([])
        self.stack.setCurrentIndex(0)
        if self.dialog is not None and self.dialog.isVisible() and self.open_before_lock:
            # A form on the open notes (one the locked page opened, 用恢复密钥恢复访问, is the
            # window's to put away at the lock and show again).
            if isinstance(self.dialog, FormDialog) and self.dialog.typed():
                # Hidden with what was typed (in this process only), shown again once the
                # notes are open again: its 确定 uses the key of that time.
                self.dialog.setResult(HIDDEN_AT_LOCK)  # still so at the unlock: not finished
                self.dialog.hide()
                self._dialog_after_unlock = self.dialog
            else:
                self.dialog.reject()
        if self.preview is not None:
            self.preview.close()

    def reopen_after_terminal_unlock(self, password: str) -> None:
        """The terminal was unlocked with the password: reopen the notes if they were open."""
        if self.is_counsellor and self.open_before_lock and not self.notes_open:
            self.unlock(password)

    def recover(self) -> None:
        dlg = FormDialog("用恢复密钥恢复访问", self)
        key_text = dlg.row("恢复密钥", QLineEdit())
        key_text.setPlaceholderText("打印件上的 11 组字符")
        password = dlg.row("您的登录密码", QLineEdit())
        password.setEchoMode(QLineEdit.EchoMode.Password)
        actor = self.ctx.actor

        def ok() -> None:
            job = op(notes_keys.restore_with_recovery, actor, key_text.text(), password.text())
            run_op(self.ctx, job, message=dlg, done=self._unlocked)

        dlg.on_ok = ok
        self._show_dialog(dlg)

    def grant(self) -> None:
        dlg = FormDialog("授权同事查看咨询记录", self)
        hint = QLabel("被授权的心理咨询师本人在场，输入自己的用户名和密码。")
        hint.setWordWrap(True)
        dlg.form.addRow(hint)
        username = dlg.row("用户名", QLineEdit())
        password = dlg.row("密码", QLineEdit())
        password.setEchoMode(QLineEdit.EchoMode.Password)
        actor = self.ctx.actor

        def ok() -> None:
            u, p = username.text(), password.text()
            run_op(
                self.ctx,
                op(notes_keys.grant, actor, self.key, u, p),
                message=dlg,
                done=lambda _r: self.status.setText(f"已授权 {u}。"),
            )

        dlg.on_ok = ok
        self._show_dialog(dlg)

    def _show_dialog(self, dlg: QDialog) -> None:
        self.dialog = dlg
        dlg.open()

    # --- clients and sessions
    def _client_selected(self) -> None:
        r = self.client_table.current_row()
        if 0 <= r < len(self.clients):
            self.open_client(self.clients[r].id)

    def open_client(self, client_id: uuid.UUID, session_id: uuid.UUID | None = None) -> None:
        self.save_notes_now()
        actor, key = self.ctx.actor, self.key
        if not self.notes_open:
            return
        self.ctx.worker.submit(
            op(counselling.open_client, actor, key, client_id),  # a write: the opening is audited
            lambda f: self._show_file(f, session_id),
            self._failed,
        )

    def _show_file(self, f: counselling.ClientFile, session_id: uuid.UUID | None = None) -> None:
        if not self.notes_open:
            return  # locked meanwhile: show nothing
        keep = session_id or (
            self.current_session if self.file and self.file.client.id == f.client.id else None
        )
        self.file = f
        c = f.client
        self.client_header.setText(
            f"{c.label} · {c.target_group.label} · {c.source.label} · 风险 {c.risk_level.label}"
            f"（{_d(c.risk_since)} 起）· 责任咨询师 {c.counsellor}"
        )
        selection = self.session_table.selectionModel()
        selection.blockSignals(True)
        self.session_table.set_rows(
            Row(
                (
                    _d(s.held_on),
                    s.form.label,
                    f"{s.duration_minutes} 分钟",
                    s.risk_level.label,
                    s.counsellor,
                    _d(s.next_appointment),
                ),
                s.id,
            )
            for s in f.sessions
        )
        selection.blockSignals(False)
        self.plan_table.set_rows(
            Row(
                (
                    p.goals,
                    p.follower,
                    f"{p.interval_days} 天",
                    _d(p.next_follow_up),
                    p.referral_to,
                    p.status.label,
                ),
                p.id,
            )
            for p in f.plans
        )
        for b in (self.session_button, self.plan_button, self.referral_button):
            b.setEnabled(True)
        active = any(p.status.value == "active" for p in f.plans)
        self.follow_button.setEnabled(active)
        self.close_plan_button.setEnabled(active)
        index = next((i for i, s in enumerate(f.sessions) if s.id == keep), 0 if f.sessions else -1)
        if index >= 0:
            selection.blockSignals(True)
            self.session_table.selectRow(index)
            selection.blockSignals(False)
            self._session_selected()
        else:
            self._show_session(None)

    def _session_selected(self) -> None:
        r = self.session_table.current_row()
        if self.file is None or not 0 <= r < len(self.file.sessions):
            return
        s = self.file.sessions[r]
        if s.id != self.current_session:
            self.save_notes_now()
        self._show_session(s)

    def _show_session(self, s: counselling.SessionView | None) -> None:
        self._loading_notes = True
        self.current_session = s.id if s else None
        refused = self._unsaved.get(s.id) if s else None
        self.notes.setPlainText(refused if refused is not None else (s.notes if s else ""))
        self.notes.setEnabled(s is not None)
        self.risk_basis.setText(
            f"风险 {s.risk_level.label}，依据：{s.risk_basis or '（未填写）'}" if s else ""
        )
        self.save_state.setText(f"已加密保存 {s.updated_at:%H:%M:%S}" if s else "")
        self._dirty = refused is not None  # saved again at the next pause or change
        if refused is not None:
            self.save_state.setText("这是上次没能保存的记录内容，请检查修改；将再次保存。")
        self._loading_notes = False

    def _notes_edited(self) -> None:
        if self._loading_notes or self.current_session is None:
            return
        self._dirty = True
        self.save_state.setText("正在输入…")
        self._save_timer.start()

    def save_notes_now(self) -> None:
        """Write the editor's text (encrypted) if it changed since the last save."""
        self._save_timer.stop()
        if not self._dirty or self.current_session is None or not self.notes_open:
            return
        self._dirty = False
        actor, key, sid = self.ctx.actor, self.key, self.current_session
        text = self.notes.toPlainText()

        def saved(at: datetime) -> None:
            self._unsaved.pop(sid, None)
            if self.current_session == sid:
                self.save_state.setText(f"已加密保存 {at:%H:%M:%S}")
            if self.file is not None:  # keep the in-memory copy in step
                self.file = counselling.ClientFile(
                    self.file.client,
                    [
                        x
                        if x.id != sid
                        else counselling.SessionView(
                            x.id,
                            x.held_on,
                            x.counsellor,
                            x.duration_minutes,
                            x.form,
                            x.risk_level,
                            x.risk_basis,
                            text,
                            x.next_appointment,
                            at,
                        )
                        for x in self.file.sessions
                    ],
                    self.file.plans,
                )

        def failed(exc: BaseException) -> None:
            self._unsaved[sid] = text  # kept, whichever session is on screen now
            if self.current_session == sid:
                self._dirty = True  # try again with the next keystroke or switch
                self.save_state.setText(f"保存失败：{error_text(exc)}（内容仍在编辑框中）")
                return
            sessions = self.file.sessions if self.file is not None else []
            when = next((f"{_d(x.held_on)} " for x in sessions if x.id == sid), "")
            self.save_state.setText(
                f"{when}那次会谈的记录保存失败：{error_text(exc)}。内容没有丢失，"
                "回到那次会谈即可看到，修改后会再次保存。"
            )

        self.save_state.setText("正在加密保存…")
        self.ctx.worker.submit(op(counselling.save_notes, actor, key, sid, text), saved, failed)

    def search_notes(self) -> None:
        query = self.search.text().strip()
        actor, key = self.ctx.actor, self.key
        if not query:
            self.search_results.setVisible(False)
            return

        def shown(hits: list[counselling.SearchHit]) -> None:
            self.search_results.clear()
            for h in hits:
                item = QListWidgetItem(f"{h.label} · {_d(h.held_on)}：{h.snippet}")
                item.setData(Qt.ItemDataRole.UserRole, (h.client_id, h.session_id))
                self.search_results.addItem(item)
            if not hits:
                self.search_results.addItem("没有找到。")
            self.search_results.setVisible(True)

        self.ctx.worker.submit(op(counselling.search_notes, actor, key, query), shown, self._failed)

    def _open_hit(self, item: QListWidgetItem) -> None:
        data = item.data(Qt.ItemDataRole.UserRole)
        if data:
            self.open_client(*data)

    def _open_due(self, _item) -> None:
        r = self.due_table.current_row()
        if 0 <= r < len(getattr(self, "due", [])) and self.notes_open:
            self.pages.setCurrentIndex(0)
            self.open_client(self.due[r].client_id)

    def _run(self, dlg: FormDialog, job, done_text: str, then=None) -> None:
        def done(result) -> None:
            self.status.setText(done_text)
            if then is not None:
                then(result)

        run_op(self.ctx, job, message=dlg, done=done, origin=self)

    def new_client(self) -> None:
        dlg = FormDialog("新来访者", self)
        pseudo = dlg.row("", QCheckBox("来访者要求使用化名"))
        name = dlg.row("姓名", QLineEdit())
        phone = dlg.row("电话", QLineEdit())
        alias = dlg.row("化名", QLineEdit())
        alias.setEnabled(False)

        def toggle(on: bool) -> None:
            alias.setEnabled(on)
            name.setEnabled(not on)
            phone.setEnabled(not on)

        pseudo.toggled.connect(toggle)
        group = dlg.row("所属人群", enum_combo(TargetGroup))
        source = dlg.row("来访途径", enum_combo(ClientSource))
        actor = self.ctx.actor

        def ok() -> None:
            data = counselling.ClientInput(
                TargetGroup(group.currentData()),
                ClientSource(source.currentData()),
                name=name.text(),
                phone=phone.text(),
                pseudonym=alias.text(),
                use_pseudonym=pseudo.isChecked(),
            )
            self._run(
                dlg,
                op(counselling.register_client, actor, data),
                "已登记来访者。",
                lambda cid: self.open_client(cid),
            )

        dlg.on_ok = ok
        self._show_dialog(dlg)

    def new_session(self) -> None:
        if self.file is None:
            return
        dlg = FormDialog(f"新咨询记录 — {self.file.client.label}", self)
        held = dlg.row("日期", _date_edit(QDate(clock.today())))
        duration = dlg.row("时长（分钟）", QSpinBox())
        duration.setRange(1, 600)
        duration.setValue(50)
        form = dlg.row("形式", enum_combo(SessionForm))
        risk = dlg.row("风险等级", enum_combo(RiskLevel))
        basis = dlg.row("风险依据", QPlainTextEdit())
        basis.setFixedHeight(70)
        has_next = dlg.row("", QCheckBox("约定下次咨询"))
        nxt = dlg.row("下次预约", _datetime_edit(QDateTime(clock.now()).addDays(7)))
        nxt.setEnabled(False)
        has_next.toggled.connect(nxt.setEnabled)
        actor, client_id = self.ctx.actor, self.file.client.id

        def ok() -> None:
            data = counselling.SessionInput(
                client_id,
                held.date().toPython(),
                duration.value(),
                SessionForm(form.currentData()),
                RiskLevel(risk.currentData()),
                basis.toPlainText(),
                "",
                nxt.dateTime().toPython().replace(second=0, microsecond=0)
                if has_next.isChecked()
                else None,
            )
            self._run(
                dlg,
                op(counselling.record_session, actor, self.key, data),
                "已新建咨询记录，请在下方记录谈话内容。",
                lambda sid: (self.open_client(client_id, sid), self.notes.setFocus()),
            )

        dlg.on_ok = ok
        self._show_dialog(dlg)

    def new_plan(self) -> None:
        """The first follow-up proposed: the next working day for a 危机 client."""
        if self.file is None:
            return
        job = op(counselling.first_follow_up_default, self.ctx.actor, self.file.client.id)
        self.ctx.worker.submit(job, self._plan_dialog, self._failed)

    def _plan_dialog(self, first_day: date) -> None:
        if self.file is None:
            return
        dlg = FormDialog(f"跟踪帮扶计划 — {self.file.client.label}", self)
        goals = dlg.row("帮扶目标", QPlainTextEdit())
        goals.setFixedHeight(80)
        interval = dlg.row("回访间隔（天）", QSpinBox())
        interval.setRange(1, 365)
        interval.setValue(7)
        first = dlg.row("首次回访", _date_edit(QDate(first_day)))
        referral = dlg.row("转介（卫生健康等单位）", QLineEdit())
        actor, client_id = self.ctx.actor, self.file.client.id

        def ok() -> None:
            data = counselling.PlanInput(
                client_id,
                goals.toPlainText(),
                actor.user_id,
                interval.value(),
                first.date().toPython(),
                referral.text(),
            )
            self._run(
                dlg,
                op(counselling.create_care_plan, actor, self.key, data),
                "已制定跟踪帮扶计划。",
                lambda _r: self.open_client(client_id),
            )

        dlg.on_ok = ok
        self._show_dialog(dlg)

    def _active_plan(self):
        if self.file is None:
            return None
        r = self.plan_table.current_row()
        plans = self.file.plans
        if 0 <= r < len(plans) and plans[r].status.value == "active":
            return plans[r]
        return next((p for p in plans if p.status.value == "active"), None)

    def follow_up(self) -> None:
        plan = self._active_plan()
        if plan is None:
            return
        dlg = FormDialog("记录回访", self)
        done_on = dlg.row("回访日期", _date_edit(QDate(clock.today())))
        note = dlg.row("回访情况", QPlainTextEdit())
        note.setFixedHeight(90)
        actor, client_id = self.ctx.actor, self.file.client.id

        def ok() -> None:
            d, n = done_on.date().toPython(), note.toPlainText()
            self._run(
                dlg,
                op(counselling.record_follow_up, actor, self.key, plan.id, d, n),
                "已记录回访。",
                lambda _r: self.open_client(client_id),
            )

        dlg.on_ok = ok
        self._show_dialog(dlg)

    def close_plan(self) -> None:
        plan = self._active_plan()
        if plan is None:
            return
        dlg = FormDialog("结束跟踪帮扶", self)
        outcome = dlg.row("帮扶结果", QPlainTextEdit())
        outcome.setFixedHeight(90)
        actor, client_id = self.ctx.actor, self.file.client.id

        def ok() -> None:
            text = outcome.toPlainText()
            self._run(
                dlg,
                op(counselling.close_care_plan, actor, self.key, plan.id, text),
                "已结束跟踪帮扶。",
                lambda _r: self.open_client(client_id),
            )

        dlg.on_ok = ok
        self._show_dialog(dlg)

    def referral(self) -> None:
        if self.file is None:
            return
        dlg = FormDialog(f"转介摘要 — {self.file.client.label}", self)
        to_body = dlg.row("转介单位", QLineEdit())
        reason = dlg.row("转介原因", QLineEdit())
        summary = dlg.row("给接收单位的摘要", QPlainTextEdit())
        summary.setFixedHeight(80)
        include_risk = dlg.row("", QCheckBox("写明当前风险等级"))
        include_risk.setChecked(True)
        # One real check box per session (a list's check marks were hard to see).
        boxes: list[tuple[QCheckBox, uuid.UUID]] = []
        box_page = QWidget()
        box_column = QVBoxLayout(box_page)
        box_column.setContentsMargins(4, 2, 4, 2)
        for s in self.file.sessions:
            box = QCheckBox(f"{_d(s.held_on)}  {s.form.label}  {s.duration_minutes} 分钟")
            boxes.append((box, s.id))
            box_column.addWidget(box)
        if not boxes:
            box_column.addWidget(QLabel("（还没有咨询记录）"))
        box_column.addStretch(1)
        sessions = QScrollArea()
        sessions.setWidget(box_page)
        sessions.setWidgetResizable(True)
        sessions.setFixedHeight(110)
        dlg.row("附上哪几次咨询", sessions, field="sessions")
        include_notes = dlg.row("", QCheckBox("附上所选咨询的记录内容"))
        self.referral_boxes, self.referral_include_notes = boxes, include_notes
        consent = dlg.row("来访者同意", QComboBox())
        consent.addItem("（尚未取得同意）", None)
        for k in ConsentKind:
            consent.addItem(k.label, k.value)
        consent_on = dlg.row("同意日期", _date_edit(QDate(clock.today())))
        actor, client_id = self.ctx.actor, self.file.client.id

        def ok() -> None:
            chosen = [sid for box, sid in boxes if box.isChecked()]
            if include_notes.isChecked() and not chosen:
                dlg.show_error(
                    ValidationError(
                        {
                            "sessions": "已勾选“附上所选咨询的记录内容”，但还没有选择哪几次咨询；"
                            "请勾选要附上的咨询，或取消勾选附上记录内容"
                        }
                    )
                )
                return
            data = counselling.ReferralInput(
                client_id,
                to_body.text(),
                ConsentKind(consent.currentData()) if consent.currentData() else None,
                consent_on.date().toPython(),
                chosen,
                include_notes.isChecked(),
                include_risk.isChecked(),
                summary.toPlainText(),
                reason.text(),
            )

            def shown(pdf: bytes) -> None:
                self.preview = PdfPreviewDialog(
                    pdf, "心理咨询转介摘要", "转介摘要.pdf", self, kind="referral"
                )
                self.preview.open()

            run_op(
                self.ctx,
                op(counselling.referral_pdf, actor, self.key, data),
                message=dlg,
                done=shown,
            )

        dlg.on_ok = ok
        self._show_dialog(dlg)

    def new_activity(self) -> None:
        dlg = FormDialog("登记团体活动或宣传教育", self)
        kind = dlg.row("类型", enum_combo(ActivityKind))
        held = dlg.row("日期", _date_edit(QDate(clock.today())))
        topic = dlg.row("主题", QLineEdit())
        audience = dlg.row("对象", QLineEdit())
        count = dlg.row("参加人数", QSpinBox())
        count.setRange(0, 100_000)
        partners = dlg.row("合作单位", QLineEdit())
        actor = self.ctx.actor

        def ok() -> None:
            data = counselling.ActivityInput(
                ActivityKind(kind.currentData()),
                held.date().toPython(),
                topic.text(),
                audience.text(),
                count.value(),
                partners.text(),
            )
            self._run(dlg, op(counselling.record_activity, actor, data), "已登记活动。")

        dlg.on_ok = ok
        self._show_dialog(dlg)
