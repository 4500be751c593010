"""Enumerations with their Chinese labels (views never retype them): the event flow's here, the
rooms' in ``room_enums.py`` — named from here (and from ``app.models``) all the same."""

from __future__ import annotations

from .labelled import LabelledEnum as LabelledEnum


class Role(LabelledEnum):
    RECEPTIONIST = ("receptionist", "接待员")
    MEDIATOR = ("mediator", "调解员")
    COUNSELLOR = ("counsellor", "心理咨询师")
    DIRECTOR = ("director", "主任")
    DEPUTY_DIRECTOR = ("deputy_director", "常务副主任")  # the director's rights, named as itself
    ADMIN = ("admin", "系统管理员")
    GRID_WORKER = ("grid_worker", "网格员")  # sees and reports only its own grid's matters


class Channel(LabelledEnum):
    VISIT = ("visit", "来访")
    LETTER = ("letter", "来信")
    CALL = ("call", "来电")
    GRID = ("grid", "网格上报")
    PLATFORM = ("platform", "平台转入")
    SUPERIOR = ("superior", "上级交办")
    INSPECTION = ("inspection", "主动排查")


class MatterStatus(LabelledEnum):
    REGISTERED = ("registered", "已登记")
    ROUTED = ("routed", "已分流")
    IN_PROGRESS = ("in_progress", "办理中")
    DONE = ("done", "已办结")
    FED_BACK = ("fed_back", "已反馈")
    ARCHIVED = ("archived", "已归档")
    ANSWERED = ("answered", "当场办结")
    REJECTED = ("rejected", "不予受理")
    TRANSFERRED = ("transferred", "转上级/移送")

    @property
    def is_open(self) -> bool:
        return self in OPEN_STATUSES


OPEN_STATUSES = frozenset({MatterStatus.REGISTERED, MatterStatus.ROUTED, MatterStatus.IN_PROGRESS})


class LimitKind(LabelledEnum):
    SAME_DAY = ("same_day", "当日")
    WORKING = ("working", "工作日")
    CALENDAR = ("calendar", "自然日")


class UnitKind(LabelledEnum):
    # The stored codes of the first three are older than their labels: "room" is the center's
    # own rooms and the street's offices (职能), "external" a higher or outside body (上级).
    STATIONED = ("stationed", "派驻")
    ROOM = ("room", "职能")
    VILLAGE = ("village", "村社区")
    EXTERNAL = ("external", "上级")
    COMMITTEE = ("committee", "调解委员会")


class EventKind(LabelledEnum):
    REGISTERED = ("registered", "登记")
    ANSWERED = ("answered", "当场解答")
    ROUTED = ("routed", "分流交办")
    NOTE = ("note", "备注")
    STATUS = ("status", "状态变更")
    ACCEPTED = ("accepted", "承办人接收")
    RETURNED = ("returned", "退回")
    PROGRESS = ("progress", "办理进展")
    EXTENDED = ("extended", "延期")  # the director approved an extension (批准延期)
    EXTENSION_REQUESTED = ("extension_requested", "申请延期")
    EXTENSION_REFUSED = ("extension_refused", "不予延期")
    COMPLETED = ("completed", "办结")
    FEEDBACK = ("feedback", "结果反馈")
    REOPENED = ("reopened", "重新办理")
    ARCHIVED = ("archived", "归档")
    REJECTED = ("rejected", "不予受理")
    TRANSFERRED = ("transferred", "转上级/移送")
    SUPERVISED = ("supervised", "督办")
    SUPERVISION_REPLY = ("supervision_reply", "督办回复")
    ATTACHMENT = ("attachment", "附件")
    ARRANGEMENT = ("arrangement", "服务安排")
    ARRANGEMENT_DONE = ("arrangement_done", "服务结果")
    BUNDLE_CONFLICT = ("bundle_conflict", "交换冲突待定")
    DOCUMENT = ("document", "文书")  # a document printed (services/reception/documents.py)
    ESCALATED = ("escalated", "呈报")  # sent up to a named higher body with a report
    UPPER_RESULT = ("upper_result", "上级反馈")  # the answer of the body it was sent up to
    SUPERIOR_ASSIGNED = ("superior_assigned", "上级交办")  # the higher body's number, deadline
    PAUSED = ("paused", "暂停计时")
    RESUMED = ("resumed", "恢复计时")
    REVIEW_REQUESTED = ("review_requested", "复查复核申请")
    REVIEW_DECIDED = ("review_decided", "复查复核意见")
    AID = ("aid", "社会救助")  # an aid record made from the matter (services/command/aid.py)


class ReviewKind(LabelledEnum):
    """信访工作条例: 复查 by the body above the one that gave the opinion, then 复核."""

    REVIEW = ("review", "复查")
    RECHECK = ("recheck", "复核")


class ExtensionStatus(LabelledEnum):
    PENDING = ("pending", "待审批")
    APPROVED = ("approved", "已批准")
    REFUSED = ("refused", "不予延期")
    # Not decided while the matter was with that unit: it was completed, returned or re-routed.
    LAPSED = ("lapsed", "未审批（事项已办结、退回或改派）")


class Satisfaction(LabelledEnum):
    SATISFIED = ("satisfied", "满意")
    FAIRLY = ("fairly", "基本满意")
    DISSATISFIED = ("dissatisfied", "不满意")


class DayKind(LabelledEnum):
    HOLIDAY = ("holiday", "法定节假日")
    WORKDAY = ("workday", "调休上班")


class CaseRoom(LabelledEnum):
    GENERAL = ("general", "矛盾纠纷调解室")
    FAMILY = ("family", "家事调解室")


class SpecialCategory(LabelledEnum):
    CORRECTION = ("correction", "社区矫正")
    RELEASED = ("released", "刑满释放")
    DRUGS = ("drugs", "吸毒人员")
    MENTAL = ("mental", "严重精神障碍患者")
    OTHER = ("other", "其他")


# The rooms' enumerations (mediation, counselling, meetings, registers, duty, key places) are in
# room_enums.py, imported when first named: the event flow and a printed receipt use none of
# them (issue 17: a command-line receipt is a whole process each time).
_IN_ROOMS = frozenset(
    {
        "ActivityKind",
        "AgreementKind",
        "AgreementStatus",
        "AidType",
        "ArrangementKind",
        "AttendanceKind",
        "CarePlanStatus",
        "CaseSource",
        "CaseStatus",
        "ClientSource",
        "ConfirmationResult",
        "ConsentKind",
        "DecisionStatus",
        "DisputeType",
        "DrugCategory",
        "DrugStatus",
        "EmergencyLevel",
        "FamilyService",
        "FollowUpMethod",
        "LineKind",
        "MediationForm",
        "MeetingKind",
        "MeetingStatus",
        "PartyKind",
        "PartyRole",
        "Performance",
        "PlaceKind",
        "ProtectionKind",
        "RectifyStatus",
        "ReportKind",
        "ReportStage",
        "RiskLevel",
        "SafetyKind",
        "SafetyStatus",
        "SchoolKind",
        "SchoolStatus",
        "SessionForm",
        "TargetGroup",
        "TransferBody",
        "UrineResult",
        "ViolenceRisk",
        "VisitMethod",
        "WatchLevel",
        "YouthCategory",
    }
)


def __getattr__(name: str):
    if name in _IN_ROOMS:
        from . import room_enums

        return getattr(room_enums, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
