"""系统设置 (admin): users and roles, and the holiday calendar for years no library covers."""

from __future__ import annotations

import uuid
from datetime import timedelta

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.core import clock
from app.core.errors import EnvironmentProblem, ValidationError
from app.core.ops import op
from app.models import DayKind, Role
from app.services.center import calendar_admin, deadline_recompute
from app.services.center import settings as settings_service
from app.services.center.reference import load_lookups
from app.services.data import terminal_config
from app.services.data.terminal_config import shown
from app.services.reception import posts, work_rules
from app.services.security import auth, notes_crypto
from app.services.security.permissions import Action, allowed

from . import bus as kinds
from .context import ViewContext
from .deadline_recompute_dialog import DeadlineRecomputeDialog
from .holiday_notice_dialog import HolidayNoticeDialog
from .messages import error_text
from .widgets import FormDialog, MessageBar, Row, run_op
from .widgets.rows_model import RowsView, rows_view
from .widgets.screen import scrolling
from .widgets.tables import DateEdit
from .worker import run_in_background


class UserDialog(FormDialog):
    """New user: user name, name, role, password (twice). Stays open with what was typed
    when the user is refused (a name taken, a password too weak)."""

    def __init__(self, parent=None):
        super().__init__("新增用户", parent)
        self.username = self.row("用户名", QLineEdit(), field="username")
        self.username.setPlaceholderText("如 zhangsan")
        self.display_name = self.row("姓名", QLineEdit(), field="display_name")
        self.role = self.row("角色", QComboBox())
        for r in Role:
            self.role.addItem(r.label, r)
        self.password = self.row("初始密码", QLineEdit(), field="password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password2 = self.row("再次输入", QLineEdit(), field="password2")
        self.password2.setEchoMode(QLineEdit.EchoMode.Password)

    def checked_password(self) -> str:
        if self.password.text() != self.password2.text():
            raise ValidationError({"password2": "两次输入的密码不一致。"})
        return self.password.text()


def _user_state(u: auth.UserRow) -> str:
    return "已停用" if not u.active else ("已锁定" if u.locked else "正常")


class UsersPanel(QWidget):
    def __init__(self, ctx: ViewContext, units=(), parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.units = list(units)
        self.users: dict[uuid.UUID, auth.UserRow] = {}
        self.table: RowsView = rows_view(["用户名", "姓名", "角色", "状态", "所属单位"], 4)
        self.message = MessageBar()
        buttons = QHBoxLayout()
        for text, slot in (
            ("新增用户", self.add_user),
            ("重置密码", self.reset_password),
            ("修改角色", self.change_role),
            ("停用/启用", self.toggle_active),
            ("解除锁定", self.unlock),
            ("所属单位", self.change_unit),
        ):
            b = QPushButton(text)
            b.clicked.connect(slot)
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.table)
        layout.addWidget(self.message)
        # Units come from the center's reference data, which the admin may change meanwhile.
        ctx.bus.watch(self, [kinds.USERS, kinds.REFERENCE], self.reload)
        self.reload()

    def reload(self) -> None:
        actor = self.ctx.actor
        self.ctx.worker.submit(
            lambda s: (auth.list_users(s, actor), load_lookups(s).units),
            self._show,
            self.message.show_error,
        )

    def _show(self, result) -> None:
        rows, self.units = result
        chosen = self.table.current_id()
        self.users = {u.id: u for u in rows}
        self.table.set_rows(
            Row(
                (u.username, u.display_name, u.role.label, _user_state(u), u.unit_name or "中心"),
                id=u.id,
            )
            for u in rows
        )
        self.table.resizeColumnsToContents()
        row = self.table.rows_model.row_of(chosen) if chosen is not None else -1
        if row >= 0:  # the user just acted on stays chosen
            self.table.selectRow(row)

    def _selected(self) -> auth.UserRow | None:
        u = self.users.get(self.table.current_id())
        if u is None:
            self.message.error("请先在列表中选择一位用户。")
        return u

    def add_user(self) -> None:
        # Opened, not run in a loop of its own: a lock meanwhile puts it away and brings it
        # back with what was typed (LockCover).
        dlg = UserDialog(self)
        actor = self.ctx.actor

        def job():
            password = dlg.checked_password()
            name, role = dlg.display_name.text(), dlg.role.currentData()
            return op(auth.create_user, actor, dlg.username.text(), name, role, password)

        def done(_r) -> None:
            self.message.success(f"已新增用户 {dlg.username.text()}。")

        dlg.submit(self.ctx, job, done=done, origin=self)
        dlg.finished.connect(dlg.deleteLater)
        self.user_dialog = dlg
        dlg.open()

    def reset_password(self) -> None:
        u = self._selected()
        if u is None:
            return
        pw, ok = QInputDialog.getText(
            self,
            "重置密码",
            f"为 {u.display_name}（{u.username}）设置新密码：",
            QLineEdit.EchoMode.Password,
        )
        if ok:
            actor = self.ctx.actor
            run_op(
                self.ctx,
                op(auth.reset_password, actor, u.id, pw),
                done_text=f"已重置 {u.username} 的密码。",
                message=self.message,
            )

    def change_role(self) -> None:
        u = self._selected()
        if u is None:
            return
        labels = [r.label for r in Role]
        label, ok = QInputDialog.getItem(
            self,
            "修改角色",
            f"{u.display_name} 的角色：",
            labels,
            labels.index(u.role.label),
            False,
        )
        if ok:
            actor, role = self.ctx.actor, Role.from_label(label)
            run_op(
                self.ctx,
                op(auth.set_role, actor, u.id, role),
                done_text=f"已将 {u.username} 设为{label}。",
                message=self.message,
            )

    def change_unit(self) -> None:
        u = self._selected()
        if u is None:
            return
        labels = ["（中心，不属于某个单位）"] + [x.name for x in self.units]
        label, ok = self.unit_input(u, labels)
        if not ok:
            return
        unit_id = None if label == labels[0] else self.units[labels.index(label) - 1].id
        actor = self.ctx.actor
        run_op(
            self.ctx,
            op(auth.set_unit, actor, u.id, unit_id),
            done_text=f"已设置 {u.username} 的所属单位。",
            message=self.message,
        )

    def unit_input(self, u, labels: list[str]) -> tuple[str, bool]:
        current = labels.index(u.unit_name) if u.unit_name in labels else 0
        return QInputDialog.getItem(
            self, "所属单位", f"{u.display_name} 在哪个单位工作：", labels, current, False
        )

    def toggle_active(self) -> None:
        u = self._selected()
        if u is None:
            return
        actor = self.ctx.actor
        run_op(
            self.ctx,
            op(auth.set_active, actor, u.id, not u.active),
            done_text=f"已{'停用' if u.active else '启用'} {u.username}。",
            message=self.message,
        )

    def unlock(self) -> None:
        u = self._selected()
        if u is None:
            return
        actor = self.ctx.actor
        run_op(
            self.ctx,
            op(auth.unlock_user, actor, u.id),
            done_text=f"已解除 {u.username} 的锁定。",
            message=self.message,
        )


class CalendarPanel(QWidget):
    """Holidays and 调休 working weekends per year; years no library covers are entered here."""

    def __init__(self, ctx: ViewContext, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.view: calendar_admin.YearView | None = None
        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setValue(clock.today().year + 1)
        self.year.valueChanged.connect(self.reload)
        self.state = QLabel()
        self.state.setWordWrap(True)
        self.table: RowsView = rows_view(["日期", "类型", "名称"], 2)
        self.day = DateEdit()
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd")
        self.day.setDate(QDate(clock.today()))
        self.kind = QComboBox()
        for k in DayKind:
            self.kind.addItem(k.label, k)
        self.name = QLineEdit()
        self.name.setPlaceholderText("如 春节")
        add = QPushButton("添加/修改")
        add.clicked.connect(self.add_day)
        remove = QPushButton("删除所选")
        remove.clicked.connect(self.remove_day)
        mark = QPushButton("该年已录入完毕")
        mark.clicked.connect(self.mark_year)
        paste = QPushButton("粘贴国务院通知")
        paste.clicked.connect(self.paste_notice)
        recompute = QPushButton("重算期限")
        recompute.setToolTip("该年节假日录入后，把录入前只按周末算出的在办事项期限改正")
        recompute.clicked.connect(lambda: self.recompute_deadlines(self.year.value()))
        self.message = MessageBar()
        top = QHBoxLayout()
        top.addWidget(QLabel("年份"))
        top.addWidget(self.year)
        top.addWidget(self.state, 1)
        top.addWidget(paste)
        top.addWidget(mark)
        top.addWidget(recompute)
        edit = QHBoxLayout()
        edit.addWidget(self.day)
        edit.addWidget(self.kind)
        edit.addWidget(self.name, 1)
        edit.addWidget(add)
        edit.addWidget(remove)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table)
        layout.addLayout(edit)
        layout.addWidget(self.message)
        ctx.bus.watch(self, [kinds.CALENDAR], self.reload)
        self.reload()

    def reload(self) -> None:
        actor, year = self.ctx.actor, self.year.value()
        self.ctx.worker.submit(
            op(calendar_admin.year_view, actor, year),
            self._show,
            self.message.show_error,
        )

    def _show(self, view: calendar_admin.YearView) -> None:
        self.view = view
        if view.source == "library":
            self.state.setText(f"{view.year} 年节假日已按国务院公布的安排录入。")
        elif view.source == "admin":
            self.state.setText(f"{view.year} 年节假日由管理员录入。")
        else:
            self.state.setText(
                f"{view.year} 年节假日尚未录入：期限暂时只跳过周末。国务院公布安排后，"
                "请点“粘贴国务院通知”（或逐日添加放假日和调休上班日，再点“该年已录入完毕”）。"
            )
        self.table.set_rows(
            Row((d.day.isoformat(), d.kind.label, d.name), id=d.day) for d in view.days
        )

    def add_day(self) -> None:
        actor = self.ctx.actor
        day = self.day.date().toPython()
        kind, name = self.kind.currentData(), self.name.text()
        if day.year != self.year.value():
            self.year.setValue(day.year)
        run_op(
            self.ctx,
            op(calendar_admin.set_day, actor, day, kind, name),
            done_text=f"已保存 {day}。",
            message=self.message,
        )

    def remove_day(self) -> None:
        day, actor = self.table.current_id(), self.ctx.actor
        if day is None:
            self.message.error("请先在列表中选择要删除的日期。")
            return
        run_op(
            self.ctx,
            op(calendar_admin.clear_day, actor, day),
            done_text=f"已删除 {day}。",
            message=self.message,
        )

    def paste_notice(self) -> HolidayNoticeDialog:
        """The notice dialog, open (not modal to the program: the admin may look things up)."""
        dlg = HolidayNoticeDialog(self.ctx, self.year.value(), self)
        dlg.saved.connect(self._notice_saved)
        dlg.open()
        self.notice_dialog = dlg
        return dlg

    def _notice_saved(self, year: int, count: int) -> None:
        self.year.setValue(year)
        self.message.success(f"已按国务院通知保存 {year} 年的 {count} 个日期。")
        self.recompute_deadlines(year, only_if_any=True)

    def recompute_deadlines(self, year: int, only_if_any: bool = False) -> None:
        """The deadlines the year's entry would move, in a dialog that moves them on request."""

        def show(moves) -> None:
            if only_if_any and not moves:
                return
            dlg = DeadlineRecomputeDialog(self.ctx, year, moves, self)
            dlg.open()
            self.recompute_dialog = dlg

        job = op(deadline_recompute.preview, self.ctx.actor, year)
        self.ctx.worker.submit(job, show, self.message.show_error)

    def mark_year(self) -> None:
        year, actor = self.year.value(), self.ctx.actor
        if QMessageBox.question(self, "确认", f"确认 {year} 年的放假和调休日期都已录入？") != (
            QMessageBox.StandardButton.Yes
        ):
            return
        run_op(
            self.ctx,
            op(calendar_admin.mark_year_entered, actor, year),
            done_text=f"{year} 年已标记为录入完毕。",
            message=self.message,
        )


class SecurityPanel(QWidget):
    """Password rules, lockout and idle lock, the notes' cipher, exchange of counselling
    records, the reminder limits (首报, 上级反馈) and how many automatic backups are kept, set
    by the admin."""

    def __init__(self, ctx: ViewContext, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        s = ctx.settings
        self.idle = QSpinBox(minimum=1, maximum=240, suffix=" 分钟", value=s.idle_lock_minutes)
        self.min_length = QSpinBox(minimum=8, maximum=64, suffix=" 位", value=s.password_min_length)
        self.max_failed = QSpinBox(minimum=1, maximum=20, suffix=" 次", value=s.max_failed_logins)
        self.lockout = QSpinBox(minimum=1, maximum=1440, suffix=" 分钟", value=s.lockout_minutes)
        # Cipher of new counselling notes; earlier notes keep their own tag and still open.
        self.notes_algorithm = QComboBox()
        for alg in notes_crypto.ALGORITHMS:
            self.notes_algorithm.addItem(notes_crypto.ALGORITHM_LABELS[alg], alg)
        if not notes_crypto.sm4_gcm_available():
            self.notes_algorithm.model().item(1).setEnabled(False)
        self.notes_algorithm.setCurrentIndex(
            max(0, self.notes_algorithm.findData(s.notes_algorithm))
        )
        self.exchange_counselling = QCheckBox("咨询记录随交换包传递（只传密文，密钥从不传递）")
        self.exchange_counselling.setChecked(s.exchange_counselling)
        self.exchange_counselling.setToolTip(
            "离线终端和中心都打开时，暖心工作室的记录才随交换包传递；默认关闭。"
        )
        self.store_card_photo = QCheckBox("读卡时保存身份证照片（用恢复密钥加密，默认不保存）")
        self.store_card_photo.setChecked(s.store_card_photo)
        self.store_card_photo.setToolTip(
            "仅在本中心制度要求时打开：照片像咨询记录一样加密保存，只有保险柜里的恢复密钥能打开。"
        )
        # Rotation of the automatic backups (start-up, daily): the newest copy of each.
        self.keep_daily = QSpinBox(minimum=1, maximum=366, suffix=" 天", value=s.backup_keep_daily)
        self.keep_weekly = QSpinBox(
            minimum=1, maximum=260, suffix=" 周", value=s.backup_keep_weekly
        )
        self.keep_monthly = QSpinBox(
            minimum=1, maximum=240, suffix=" 个月", value=s.backup_keep_monthly
        )
        # The center's own reminder limits (settings, not laws): 突发事件首报 and 上级反馈.
        self.first_report = QSpinBox(
            minimum=5, maximum=720, suffix=" 分钟", value=s.emergency_first_report_minutes
        )
        self.upper_reply = QSpinBox(minimum=1, maximum=365, suffix=" 天", value=s.upper_reply_days)
        limits = QGroupBox("提醒时限")
        reminders = QFormLayout(limits)
        reminders.addRow("较大及以上突发事件首报", self.first_report)
        reminders.addRow("转上级/移送后未反馈提醒", self.upper_reply)
        # 特殊人群走访周期, per group: a visit later than this shows on 待走访.
        visits_box = QGroupBox("特殊人群走访周期（超过即列入待走访）")
        cycle = QGridLayout(visits_box)
        self.visit_days: dict[str, QSpinBox] = {}
        for i, (key, _group, label) in enumerate(settings_service.VISIT_INTERVALS):
            spin = QSpinBox(minimum=1, maximum=366, suffix=" 天", value=getattr(s, key))
            spin.setAccessibleName(label)
            self.visit_days[key] = spin
            cycle.addWidget(QLabel(label.removesuffix("走访周期")), i // 2, (i % 2) * 2)
            cycle.addWidget(spin, i // 2, (i % 2) * 2 + 1)
        backups = QGroupBox("自动备份保留")
        keep = QFormLayout(backups)
        keep.addRow("每天一份，保留最近", self.keep_daily)
        keep.addRow("每周一份，保留最近", self.keep_weekly)
        keep.addRow("每月一份，保留最近", self.keep_monthly)
        self.message = MessageBar()
        save = QPushButton("保存安全设置")
        save.clicked.connect(self.save)
        form = QFormLayout(self)
        form.addRow("无操作自动锁屏", self.idle)
        form.addRow("密码最短长度", self.min_length)
        form.addRow("连续输错密码锁定", self.max_failed)
        form.addRow("锁定时长", self.lockout)
        form.addRow("咨询记录加密算法", self.notes_algorithm)
        form.addRow("数据交换", self.exchange_counselling)
        form.addRow("身份证照片", self.store_card_photo)
        form.addRow(limits)
        form.addRow(visits_box)
        form.addRow(backups)
        form.addRow(save)
        form.addRow(self.message)

    def save(self) -> None:
        actor = self.ctx.actor
        values = dict(
            idle_lock_minutes=self.idle.value(),
            password_min_length=self.min_length.value(),
            max_failed_logins=self.max_failed.value(),
            lockout_minutes=self.lockout.value(),
            notes_algorithm=self.notes_algorithm.currentData(),
            exchange_counselling=self.exchange_counselling.isChecked(),
            backup_keep_daily=self.keep_daily.value(),
            backup_keep_weekly=self.keep_weekly.value(),
            backup_keep_monthly=self.keep_monthly.value(),
            emergency_first_report_minutes=self.first_report.value(),
            upper_reply_days=self.upper_reply.value(),
            **{key: spin.value() for key, spin in self.visit_days.items()},
            store_card_photo=self.store_card_photo.isChecked(),
        )

        def done(new_settings) -> None:
            self.ctx.settings = new_settings

        run_op(
            self.ctx,
            op(settings_service.update_settings, actor, **values),
            done_text="已保存。",
            message=self.message,
            done=done,
        )


class PostsPanel(QWidget):
    """AB岗 and absences: who covers whom while someone is away."""

    def __init__(self, ctx: ViewContext, staff, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.posts: RowsView = rows_view(["岗位", "A岗", "B岗"], 2)
        self.absences: RowsView = rows_view(["人员", "开始", "结束", "事由"], 3)
        self.post_name = QLineEdit()
        self.post_name.setPlaceholderText("岗位，如 综合受理窗口")
        self.a_user, self.b_user, self.absent_user = QComboBox(), QComboBox(), QComboBox()
        self.b_user.addItem("（未设）", None)
        for combo in (self.a_user, self.b_user, self.absent_user):
            for person in staff:
                combo.addItem(f"{person.name}（{person.role.label}）", person.id)
        save_post = QPushButton("保存岗位")
        save_post.clicked.connect(self.save_post)
        self.starts, self.ends = DateEdit(QDate(clock.today())), DateEdit(QDate(clock.today()))
        for d in (self.starts, self.ends):
            d.setCalendarPopup(True)
            d.setDisplayFormat("yyyy-MM-dd")
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("事由，如 年假、培训")
        add_absence = QPushButton("登记请假")
        add_absence.clicked.connect(self.add_absence)
        self.leader_days = QLabel()
        self.leader_days.setWordWrap(True)
        self.leader = QComboBox()
        for person in staff:
            if person.role in (Role.DIRECTOR, Role.DEPUTY_DIRECTOR):
                self.leader.addItem(person.name, person.id)
        self.leader_day = DateEdit(QDate(clock.today()))
        self.leader_day.setCalendarPopup(True)
        self.leader_day.setDisplayFormat("yyyy-MM-dd")
        self.leader_place = QLineEdit()
        self.leader_place.setPlaceholderText("接访地点")
        add_leader_day = QPushButton("安排领导接访日")
        add_leader_day.clicked.connect(self.add_leader_day)
        self.message = MessageBar()
        row3 = QHBoxLayout()
        for w in (
            QLabel("领导接访"),
            self.leader,
            self.leader_day,
            self.leader_place,
            add_leader_day,
        ):
            row3.addWidget(w)
        row1 = QHBoxLayout()
        for w in (self.post_name, QLabel("A"), self.a_user, QLabel("B"), self.b_user, save_post):
            row1.addWidget(w)
        row2 = QHBoxLayout()
        for w in (self.absent_user, self.starts, QLabel("至"), self.ends, self.reason, add_absence):
            row2.addWidget(w)
        layout = QVBoxLayout(self)
        layout.addWidget(self.posts)
        layout.addLayout(row1)
        layout.addWidget(self.absences)
        layout.addLayout(row2)
        layout.addWidget(self.leader_days)
        layout.addLayout(row3)
        layout.addWidget(self.message)
        ctx.bus.watch(self, [kinds.USERS], self.reload)  # posts and absences are USERS data
        self.reload()

    def reload(self) -> None:
        actor, today = self.ctx.actor, clock.today()
        self.ctx.worker.submit(
            lambda s: (
                posts.list_posts(s, actor),
                posts.list_absences(s, actor, today),
                work_rules.leader_days(s, actor, today, today + timedelta(days=60)),
            ),
            self._show,
            self.message.show_error,
        )

    def _show(self, result) -> None:
        post_rows, absence_rows, days = result
        self.leader_days.setText(
            "近期领导接访日："
            + (
                "；".join(
                    f"{d.day:%m-%d} {d.leader}{'（' + d.place + '）' if d.place else ''}"
                    for d in days
                )
                or "未安排"
            )
        )
        self.posts.set_rows(Row((p.name, p.a, p.b), id=p.name) for p in post_rows)
        self.absences.set_rows(
            (a.who, a.starts_on.isoformat(), a.ends_on.isoformat(), a.reason) for a in absence_rows
        )

    def save_post(self) -> None:
        actor, name = self.ctx.actor, self.post_name.text()
        a, b = self.a_user.currentData(), self.b_user.currentData()
        run_op(
            self.ctx,
            op(posts.set_post, actor, name, a, b),
            done_text=f"已保存岗位 {name}。",
            message=self.message,
        )

    def add_leader_day(self) -> None:
        actor, leader = self.ctx.actor, self.leader.currentData()
        day, place = self.leader_day.date().toPython(), self.leader_place.text()
        run_op(
            self.ctx,
            op(work_rules.schedule_leader_day, actor, leader, day, place),
            done_text="已安排领导接访日。",
            message=self.message,
        )

    def add_absence(self) -> None:
        actor, who = self.ctx.actor, self.absent_user.currentData()
        start, end = self.starts.date().toPython(), self.ends.date().toPython()
        reason = self.reason.text()
        run_op(
            self.ctx,
            op(posts.add_absence, actor, who, start, end, reason),
            done_text="已登记请假。",
            message=self.message,
        )


class TerminalDatabasePanel(QWidget):
    """Which database this terminal opens: the local file, or the center's PostgreSQL server.

    The choice is kept on this PC (not in the database) and takes effect at the next start.
    """

    def __init__(self, ctx: ViewContext, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.now_using = QLabel(shown(ctx.worker.db.url))
        self.now_using.setWordWrap(True)
        self.saved = QLabel()
        self.saved.setWordWrap(True)
        self.url = QLineEdit()
        self.url.setPlaceholderText("postgresql+psycopg://用户名:密码@服务器地址:5432/数据库名")
        self.url.setEchoMode(QLineEdit.EchoMode.PasswordEchoOnEdit)
        self.connect_button = QPushButton("测试连接并保存")
        self.connect_button.clicked.connect(self.connect_server)
        self.local_button = QPushButton("改回本机数据库")
        self.local_button.clicked.connect(self.use_local)
        self.message = MessageBar()
        hint = QLabel(
            "多个窗口共用一台 PostgreSQL 服务器时，在每台终端填写服务器地址；"
            "地址只保存在这台电脑上（仅本机账户可读），重新启动程序后生效。"
        )
        hint.setWordWrap(True)
        hint.setProperty("role", "hint")
        buttons = QHBoxLayout()
        buttons.addWidget(self.connect_button)
        buttons.addWidget(self.local_button)
        buttons.addStretch(1)
        form = QFormLayout(self)
        form.addRow(hint)
        form.addRow("正在使用", self.now_using)
        form.addRow("下次启动使用", self.saved)
        form.addRow("服务器地址", self.url)
        form.addRow(buttons)
        form.addRow(self.message)
        self._show_saved()

    def _show_saved(self) -> None:
        try:
            saved = terminal_config.current_database()
        except EnvironmentProblem as exc:
            self.saved.setText(exc.message)
            return
        self.saved.setText(saved or "本机数据库文件（或启动时用 --db / --database-url 指定的）")

    def connect_server(self) -> None:
        url = self.url.text()
        self.connect_button.setEnabled(False)
        self.message.info("正在连接……")

        def done(found: terminal_config.Connection) -> None:
            self.connect_button.setEnabled(True)
            self.url.clear()
            what = (
                f"“{found.center_name}”"
                if found.initialised
                else "新的数据库（下次启动时设置中心）"
            )
            self.message.success(f"已连接 {found.shown_url}：{what}。重新启动程序后生效。")
            self._show_saved()

        def failed(exc: BaseException) -> None:
            self.connect_button.setEnabled(True)
            self.message.error(error_text(exc))  # the address stays in the field to fix

        run_in_background(lambda: terminal_config.connect_terminal(url), done, failed)

    def use_local(self) -> None:
        try:
            terminal_config.save_database_url(None)
        except OSError as exc:
            self.message.error(f"保存不了设置：{exc.strerror or exc}")
            return
        self.message.success("已改回本机数据库文件，重新启动程序后生效。")
        self._show_saved()


class SettingsTab(QWidget):
    def __init__(self, ctx: ViewContext, staff=(), units=(), parent=None):
        super().__init__(parent)
        tabs = QTabWidget()
        if allowed(ctx.actor, Action.MANAGE_USERS):
            self.users = UsersPanel(ctx, units)
            tabs.addTab(self.users, "用户与角色")
        if allowed(ctx.actor, Action.MANAGE_CALENDAR):
            self.calendar = CalendarPanel(ctx)
            tabs.addTab(self.calendar, "节假日")
        if allowed(ctx.actor, Action.MANAGE_POSTS):
            self.posts = PostsPanel(ctx, staff)
            tabs.addTab(scrolling(self.posts), "AB岗与请假")
        if allowed(ctx.actor, Action.MANAGE_SETTINGS):
            self.security = SecurityPanel(ctx)
            tabs.addTab(scrolling(self.security), "安全设置")
            self.terminal_database = TerminalDatabasePanel(ctx)
            tabs.addTab(self.terminal_database, "本终端数据库")
            from .print_settings import PrintSettingsPanel

            self.printing = PrintSettingsPanel()
            tabs.addTab(scrolling(self.printing), "本终端打印")
            from .card_reader_settings import CardReaderPanel

            self.card_reader = CardReaderPanel()
            tabs.addTab(scrolling(self.card_reader), "本终端设备")
        if allowed(
            ctx.actor, Action.VIEW_REFERENCE
        ):  # 中心资料: the admin edits, the director reads
            from .reference_page import ReferencePage

            self.reference = ReferencePage(ctx)
            tabs.addTab(self.reference, "中心资料")
        s = ctx.settings
        info = QGroupBox("本中心")
        form = QFormLayout(info)
        form.addRow("中心名称", QLabel(s.center_name))
        form.addRow("中心电话", QLabel(s.center_phone or "—"))
        form.addRow("编号", QLabel(f"前缀 {s.prefix}，终端 {s.terminal}"))
        layout = QVBoxLayout(self)
        layout.addWidget(info)
        layout.addWidget(tabs, 1)
