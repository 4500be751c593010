"""矛盾纠纷调解室 · 家事调解室: mediation cases from intake to the archived case file.

A case is opened from a matter routed to a mediation room, or directly by a mediator (the
dispute is then registered as a matter too, so every dispute is in the event flow). Status:
受理 → 调解中 → 调解成功 / 调解不成功 / 终止, 转办 to a court, an administrative body or an
arbitration commission, then 归档. A move not in ``CASE_MOVES`` is refused. Each move is an
audit row and a step on the matter's timeline; the matter itself moves by the event flow's
rules (accepted when the case is opened, completed when the case ends).

The agreement (调解协议书) is a draft until all parties have signed; signing freezes it with
the parties' details copied in. A correction is a new version; the signed one is kept.
Minors in family cases are shown only to the case's own mediators.

The package follows the work: inputs, common, validation, cases, moves, records,
agreement, followups, family, reading, printing.
"""

from __future__ import annotations

from app.services.rooms.mediation.agreement import (
    agreement_input,
    correct_agreement,
    discard_correction,
    save_agreement,
    save_and_sign,
    sign_agreement,
)
from app.services.rooms.mediation.cases import (
    WaitingMatter,
    case_input,
    input_from_matter,
    matters_waiting,
    open_case,
    update_case,
)
from app.services.rooms.mediation.common import (
    CASE_MOVES,
    CONFIRMATION_DAYS,
    MEDIATION_DAYS,
    ROOM_CATEGORY,
    ROOM_CODES,
    SOURCE_CHANNEL,
    CaseMove,
    S,
    committee_name,
    file_number,
    format_amount,
    parse_amount,
    short_name,
)
from app.services.rooms.mediation.family import (
    add_complaint,
    add_protection,
    add_service,
    save_minors,
)
from app.services.rooms.mediation.followups import (
    ConfirmationWindow,
    Reminder,
    confirmation_window,
    plan_followup,
    record_confirmation,
    record_followup,
    reminders,
    set_confirmation_result,
)
from app.services.rooms.mediation.inputs import (
    AgreementInput,
    AgreementRef,
    CaseInput,
    CaseRef,
    FollowUpInput,
    MinorInput,
    PartyInput,
    RecordInput,
    StatementInput,
)
from app.services.rooms.mediation.moves import (
    archive_case,
    close_case,
    start_mediation,
    transfer_case,
)
from app.services.rooms.mediation.printing import (
    CaseScreen,
    Document,
    agreement_print_data,
    case_print_data,
    case_screen,
    casefile_print_data,
    document_for_number,
    document_pdf,
    followup_print_data,
    mediator_choices,
    record_document_print,
    record_print_data,
    render_document_pdf,
    result_label,
)
from app.services.rooms.mediation.reading import (
    AgreementRow,
    CaseDetail,
    CaseFilter,
    CaseRow,
    ConfirmationRow,
    FollowUpRow,
    PartyView,
    RecordRow,
    TimelineRow,
    case_counts,
    case_detail,
    find_case,
    list_cases,
)
from app.services.rooms.mediation.records import record_input, save_record
from app.services.rooms.mediation.validation import default_title

__all__ = [
    "AgreementInput",
    "AgreementRef",
    "AgreementRow",
    "CASE_MOVES",
    "CONFIRMATION_DAYS",
    "CaseDetail",
    "CaseFilter",
    "CaseInput",
    "CaseMove",
    "CaseRef",
    "CaseRow",
    "CaseScreen",
    "ConfirmationRow",
    "ConfirmationWindow",
    "Document",
    "FollowUpInput",
    "FollowUpRow",
    "MEDIATION_DAYS",
    "MinorInput",
    "PartyInput",
    "PartyView",
    "ROOM_CATEGORY",
    "ROOM_CODES",
    "RecordInput",
    "RecordRow",
    "Reminder",
    "S",
    "SOURCE_CHANNEL",
    "StatementInput",
    "TimelineRow",
    "WaitingMatter",
    "add_complaint",
    "add_protection",
    "add_service",
    "agreement_input",
    "agreement_print_data",
    "archive_case",
    "case_counts",
    "case_detail",
    "case_input",
    "case_print_data",
    "case_screen",
    "casefile_print_data",
    "close_case",
    "committee_name",
    "confirmation_window",
    "correct_agreement",
    "discard_correction",
    "default_title",
    "document_for_number",
    "document_pdf",
    "record_document_print",
    "render_document_pdf",
    "file_number",
    "find_case",
    "followup_print_data",
    "format_amount",
    "input_from_matter",
    "list_cases",
    "matters_waiting",
    "mediator_choices",
    "open_case",
    "parse_amount",
    "plan_followup",
    "record_confirmation",
    "record_followup",
    "record_input",
    "record_print_data",
    "reminders",
    "result_label",
    "save_agreement",
    "save_and_sign",
    "save_minors",
    "save_record",
    "set_confirmation_result",
    "short_name",
    "sign_agreement",
    "start_mediation",
    "transfer_case",
    "update_case",
]
