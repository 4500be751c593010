"""The room tab: the case list on the left, the case shown on the right in its pages.

One widget class serves both rooms (``room``); the family room adds its own page. The tab
holds the case being shown (``current``, ``detail``) and the one asked for last (``wanted``);
the pages own their buttons and run their writes through :meth:`MediationTab.run`, which
reports the outcome and shows the case again. What a write changed is announced by the
worker; the tab watches CASES and MATTERS.

What is typed in the case form, the record and the agreement is kept as a draft as it is
typed (each page's ``drafts``), is not replaced when the case is shown again after a write,
and is not given up without asking (:meth:`MediationTab.may_leave`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QLabel, QSplitter, QTabWidget, QVBoxLayout, QWidget

from app.core.ops import Op, op
from app.models import CaseRoom, DisputeType, PartyRole, ViolenceRisk
from app.services.rooms import mediation
from app.services.rooms.mediation import CaseInput, CaseScreen, Document, PartyInput

from ..bus import CASES, MATTERS
from ..context import ViewContext
from ..pdf_preview_dialog import PdfPreviewDialog
from ..widgets import (
    DraftController,
    FormDialog,
    MessageBar,
    ask_to_give_up,
    load_when_shown,
    run_op,
    tab_shortcut,
)
from ..widgets.tables import unbroken
from .agreement import AgreementPage
from .case_list import CaseList
from .case_page import CasePage, scroll
from .documents import DocumentsPage
from .family import FamilyPage
from .followups import FollowUpsPage
from .record import RecordPage

RECORD_PAGE, AGREEMENT_PAGE = 1, 2


class MediationTab(QWidget):
    """A room's cases. The case form, record and agreement being typed are kept as drafts."""

    def __init__(self, ctx: ViewContext, room: CaseRoom, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.room = room
        self.detail: mediation.CaseDetail | None = None
        self.current: uuid.UUID | None = None
        self.wanted: uuid.UUID | None = None  # the case asked for last (None: a new case)
        # Counts the mediator's moves from case to case (another case, a new one): a write's
        # outcome or a case read for an earlier one is not shown over where they are now.
        self.visit = 0
        self.matter_id: uuid.UUID | None = None  # when a new case comes from a matter
        self.preview: PdfPreviewDialog | None = None
        self.dialog: FormDialog | None = None
        self.message = MessageBar()
        # --- list side
        self.case_list = CaseList(ctx, room)
        self.case_list.on_error = self.failed
        self.model, self.table = self.case_list.model, self.case_list.table
        self.case_list.case_selected.connect(self._case_selected)
        self.case_list.new_case.connect(self._new_case_clicked)
        self.case_list.from_matter.connect(self.case_from_matter)
        # --- detail side
        self.header = QLabel("新案件（未保存）")
        self.header.setProperty("role", "title")
        self.header.setWordWrap(True)
        self.risk_banner = QLabel()
        self.risk_banner.setProperty("role", "error")
        self.risk_banner.setWordWrap(True)
        self.risk_banner.setVisible(False)
        self.case_page = CasePage(self)
        self.case_form = self.case_page.form
        self.case_list.mediators.connect(self.case_page.set_mediators)
        self.record_page = RecordPage(self)
        self.record = self.record_page.editor
        self.agreement_page = AgreementPage(self)
        self.agreement = self.agreement_page.editor
        self.followups_page = FollowUpsPage(self)
        self.family_page = FamilyPage(self) if room == CaseRoom.FAMILY else None
        self.documents_page = DocumentsPage(self)
        self.draft_bar = self.record_page.drafts.bar
        self.draft_label = self.draft_bar.label
        self.restore_draft_button = self.draft_bar.restore_button
        self.pages = QTabWidget()
        self.pages.addTab(self.case_page, "案件信息")
        self.pages.addTab(scroll(self.record_page), "调解笔录")
        self.pages.addTab(scroll(self.agreement_page), "调解协议")
        self.pages.addTab(self.followups_page, "回访")
        if self.family_page is not None:
            self.pages.addTab(scroll(self.family_page), "家事服务")
        self.pages.addTab(self.documents_page, "文书与过程")
        right = QWidget()
        rv = QVBoxLayout(right)
        rv.addWidget(self.header)
        rv.addWidget(self.risk_banner)
        for page in (self.case_page, self.record_page, self.agreement_page):
            rv.addWidget(page.drafts.bar)
        rv.addWidget(self.pages, 1)
        rv.addWidget(self.message)
        split = QSplitter()
        split.addWidget(self.case_list)
        split.addWidget(right)
        split.setSizes([660, 780])
        layout = QVBoxLayout(self)
        layout.addWidget(split)
        tab_shortcut(self, QKeySequence.StandardKey.Save, self.save_current_page)
        tab_shortcut(self, QKeySequence.StandardKey.Print, self.agreement_page.print_agreement)
        # A matter routed to the room appears among those waiting for a case.
        ctx.bus.watch(self, [CASES, MATTERS], self.reload)
        load_when_shown(self, self.reload)
        self.new_case()
        for page in (self.case_page, self.record_page, self.agreement_page):
            page.offer_draft()

    def failed(self, exc: BaseException) -> None:
        self.message.show_error(exc)

    def reload(self) -> None:
        self.case_list.reload()

    # --- running the pages' writes
    def run(
        self,
        job: Op,
        done_text: str,
        after: Callable[[Any], None] | None = None,
        *,
        dialog: FormDialog | None = None,
    ) -> None:
        """Run a write on the case; on success say ``done_text`` and show the case again
        (``after(result)`` first). A refusal is said in ``dialog`` (which stays open) or under
        the pages. If the mediator has gone on to another case meanwhile (a new one too),
        only the outcome is said: the tab stays where they are."""
        visit = self.visit

        def done(result) -> None:
            self.message.clear()
            if self.visit != visit:
                self.message.success(done_text)
                return
            if isinstance(result, mediation.CaseRef):
                # The list's reload (announced before this) arrives next: it selects the case.
                self.current = self.wanted = self.case_list.keep = result.id
            if after:
                after(result)
            if self.current is not None:
                self.show_case(self.current)
            self.message.success(done_text)

        run_op(self.ctx, job, done=done, message=dialog or self.message, origin=self)

    def ask(self, dlg: FormDialog, on_ok: Callable[[], None]) -> None:
        """Open a form dialog whose 确定 runs ``on_ok``; it closes when that succeeded."""
        dlg.on_ok = on_ok
        dlg.finished.connect(dlg.deleteLater)
        self.dialog = dlg
        dlg.open()

    def save_current_page(self) -> None:
        page = self.pages.currentIndex()
        if page == RECORD_PAGE:
            self.record_page.save()
        elif page == AGREEMENT_PAGE:
            self.agreement_page.save()
        else:
            self.case_page.save()

    # --- what is typed
    def _typed_pages(self) -> list[tuple[str, DraftController]]:
        pages = [
            ("案件信息", self.case_page.drafts),
            ("调解笔录", self.record_page.drafts),
            ("调解协议", self.agreement_page.drafts),
        ]
        if self.family_page is not None:
            pages.append(("未成年人信息", self.family_page.typing))
        return pages

    def _asked_to_give_up(
        self, move: str | None, pages: list[DraftController] | None
    ) -> list[DraftController] | None:
        """The pages (``pages``, default all) holding unsaved typing once the mediator
        agreed to give it up ([] when there is none); None when they keep it (否)."""
        unsaved = [
            (name, c)
            for name, c in self._typed_pages()
            if (pages is None or c in pages) and c.dirty()
        ]
        if not unsaved:
            return []
        names = "、".join(name for name, _c in unsaved)
        if move:
            text = (
                f"{names}还没有保存，{move}后就不能再修改了。要放弃这些内容吗？\n"
                f"选“否”保留这些内容，可先保存再{move}。"
            )
        else:
            text = f"{names}还没有保存，要放弃这些内容吗？\n选“否”保留这些内容，可先保存。"
        if not ask_to_give_up(self, "调解案件", text):
            return None
        return [c for _name, c in unsaved]

    @staticmethod
    def _give_up(controllers: list[DraftController]) -> None:
        for c in controllers:
            c.clear()
            c.mark_clean()  # given up: the case may be shown over it

    def draft_of_case(self, **typed: Any) -> dict | None:
        """A page's draft: the case shown and what is typed on the page (None while the
        case is a new one: its record and agreement come once it is saved)."""
        if self.current is None:
            return None
        number = self.detail.number if self.detail else ""
        return {"case": str(self.current), "case_number": number, **typed}

    def may_leave(self, pages: list[DraftController] | None = None) -> bool:
        """Before unsaved typing would be replaced: another case, 新建案件, 立案 from a
        matter, a draft restored. ``pages``: only these pages' typing is at stake (default:
        all). True when nothing there is unsaved or the mediator gives it up (its drafts go
        too, at once); 否 keeps it on screen."""
        given_up = self._asked_to_give_up(None, pages)
        if given_up is None:
            return False
        self._give_up(given_up)
        return True

    def may_close(
        self, move: str, pages: list[DraftController] | None = None
    ) -> Callable[[Any], None] | None:
        """Before ``move``, after which the case cannot be changed (调解不成功, 终止调解,
        转办, the agreement signed): None when the mediator keeps unsaved typing (否);
        otherwise the ``after`` for :meth:`run` that gives it up once the move is done — a
        move cancelled in its own dialog gives up nothing."""
        given_up = self._asked_to_give_up(move, pages)
        if given_up is None:
            return None
        return lambda _result: self._give_up(given_up)

    def restore_draft(
        self,
        drafts: DraftController,
        payload: dict,
        fill: Callable[[], bool],
        page: int,
        what: str,
    ) -> None:
        """恢复草稿 of a page: the draft's case is shown (a new case when it names none) and
        ``fill()`` puts the draft in the page; ``fill`` returns whether the page can still be
        changed. Typing it would replace is asked about first; 否 keeps that typing and the
        offer, as does another case chosen before the draft's case is shown."""
        case_id = uuid.UUID(payload["case"]) if payload.get("case") else None
        leaving = case_id != self.current or case_id is None
        if not self.may_leave(pages=None if leaving else [drafts]):
            drafts.offer_again(payload)
            return

        def after() -> None:
            editable = fill()
            self.pages.setCurrentIndex(page)
            self.update_buttons()
            if editable:
                self.message.info(f"已恢复{what}草稿，请核对后保存。")
                return
            # Shown to be copied, not saved: it is no question at every change of case, and
            # the stored draft stays (offered again at the next start, or 丢弃 then).
            drafts.mark_clean()
            self.message.error(
                f"已恢复{what}草稿，但这个案件现在不能再修改（已办结或无权修改），草稿不能保存；"
                "需要的内容请另行记下。"
            )

        if case_id is None:
            self.new_case()
            after()
        else:
            self.show_case(case_id, then=after, lost=lambda: drafts.offer_again(payload))

    # --- the case shown
    def _case_selected(self, case_id: uuid.UUID) -> None:
        if case_id == self.wanted and self.detail is not None:
            return  # shown, or on its way
        if case_id != self.current and not self.may_leave():
            self.case_list.select_quietly(self.current)
            return
        self.show_case(case_id)

    def _new_case_clicked(self) -> None:
        if self.may_leave():
            self.new_case()

    def show_case(
        self,
        case_id: uuid.UUID,
        then: Callable[[], None] | None = None,
        lost: Callable[[], None] | None = None,
    ) -> None:
        """Show ``case_id`` once read, then ``then()``. A case asked for after it wins
        (``lost()`` then instead), and the list keeps it selected through a reload that
        comes first."""
        if case_id != self.wanted or self.detail is None:
            self.visit += 1
        visit = self.visit
        self.wanted = self.case_list.keep = case_id

        def shown(screen: CaseScreen) -> None:
            if self.visit != visit:  # the mediator has gone on since
                if lost is not None:
                    lost()
                return
            self._shown(screen)
            if then is not None:
                then()

        def failed(exc: BaseException) -> None:
            if self.visit == visit:  # it stays on the case shown, marked so in the list
                self.wanted = self.case_list.keep = self.current
                self.case_list.select_quietly(self.current)
            self.failed(exc)

        self.ctx.worker.submit(op(mediation.case_screen, self.ctx.actor, case_id), shown, failed)

    def _shown(self, screen: CaseScreen) -> None:
        d = screen.detail
        # The same case again after a write: unsaved typing on the pages stays. A case just
        # opened (立案) was not on the other pages yet; its form was.
        again = self.detail is not None and self.detail.id == d.id
        form_again = d.id == self.current
        self.detail, self.current, self.matter_id = d, d.id, None
        self.case_list.keep = d.id
        self.case_list.select_quietly(d.id)  # the list marks the case shown, whatever came between
        self.case_page.show_case(screen, form_again)
        self.case_form.risk_warning.setVisible(False)  # the banner above says it
        risk = self.room == CaseRoom.FAMILY and d.violence_risk == ViolenceRisk.HIGH
        self.risk_banner.setVisible(risk)
        self.risk_banner.setText(
            "⚠ 家庭暴力高风险案件：注意当事人和未成年人安全，单独约谈，"
            "必要时转介公安机关出具告诫书、"
            "引导申请人身安全保护令。"
            if risk
            else ""
        )
        # The number and the status never break across lines; the title may.
        matter = f"　{unbroken(f'事项 {d.matter_number}')}" if d.matter_number else ""
        late = "（超期）" if d.overdue else ""
        status = unbroken(f"【{d.status.label}{late}】")
        self.header.setText(f"{unbroken(d.number)}　{d.title}　{status}{matter}")
        self.record_page.show_case(d)
        self.agreement_page.show_case(d, screen.agreement, again)
        self.followups_page.show_case(d)
        self.documents_page.show_case(d)
        if self.family_page is not None:
            self.family_page.show_case(d, again)
        self.update_buttons()

    def update_buttons(self) -> None:
        d = self.detail
        editing_new = self.current is None
        has_case = not editing_new
        self.case_page.update_buttons(d, editing_new)
        self.record_page.update_buttons(
            has_case and d is not None and d.status.is_open and d.can_edit
        )
        self.followups_page.update_buttons(d, has_case)
        self.documents_page.update_buttons(has_case)
        if self.family_page is not None:
            self.family_page.update_buttons(has_case and d is not None and d.can_edit)
        if editing_new:
            self.agreement_page.disable()

    def new_case(self) -> None:
        self.current, self.detail, self.matter_id = None, None, None
        self.wanted = None
        self.visit += 1
        self.case_list.keep = None
        self.table.clearSelection()
        me = self.ctx.actor.user_id
        self.case_form.set_value(
            CaseInput(
                room=self.room,
                dispute_type=DisputeType.MARRIAGE_FAMILY
                if self.room == CaseRoom.FAMILY
                else DisputeType.NEIGHBOUR,
                facts="",
                parties=[],
                mediator_ids=[me] if me else [],
            ),
            read_only=False,
        )
        self.case_form.add_party()
        self.case_form.add_party()
        self.header.setText("新案件（未保存）")
        self.risk_banner.setVisible(False)
        self.record_page.clear()
        self.agreement_page.clear()
        self.followups_page.table.set_rows([])
        self.documents_page.show_case(None)
        self.pages.setCurrentIndex(0)
        self.message.clear()
        self.update_buttons()
        self.case_page.drafts.mark_clean()  # filled in, not typed

    def case_from_matter(self, matter_id: uuid.UUID, line: str) -> None:
        if not self.may_leave():
            return
        self.visit += 1
        visit = self.visit

        def shown(data: CaseInput) -> None:
            if self.visit != visit:  # the mediator has chosen a case meanwhile
                return
            self.new_case()
            self.matter_id = matter_id
            data.room = self.room
            self.case_form.set_value(data, read_only=False)
            if len(data.parties) < 2:
                self.case_form.add_party(PartyInput(PartyRole.RESPONDENT, ""))
            self.header.setText(f"新案件（来自事项 {line}）")
            self.case_page.drafts.mark_clean()

        self.ctx.worker.submit(
            op(mediation.input_from_matter, self.ctx.actor, matter_id), shown, self.failed
        )

    # --- printing
    def print_document(self, document: Document, object_id: uuid.UUID | None) -> None:
        if object_id is None:
            return

        def shown(result) -> None:
            title, pdf = result
            kind = {Document.AGREEMENT: "agreement", Document.CASEFILE: "casefile"}
            self.preview = PdfPreviewDialog(
                pdf, title, f"{title.replace(' ', '-')}.pdf", self,
                kind=kind.get(document, "mediation"),
            )  # fmt: skip
            record = op(mediation.record_document_print, self.ctx.actor, document, object_id)
            self.preview.printed.connect(lambda _name: self.ctx.worker.submit(record))
            self.preview.open()

        job = op(mediation.render_document_pdf, self.ctx.actor, document, object_id)
        run_op(self.ctx, job, done=shown, message=self.message)
