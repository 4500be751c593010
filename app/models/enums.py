"""Enumerations with their Chinese labels, kept in one place (views never retype them)."""

from __future__ import annotations

from enum import StrEnum


class LabelledEnum(StrEnum):
    """A string enum whose members carry a Chinese label: ``Member = ("code", "标签")``."""

    def __new__(cls, value: str, label: str):
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.label = label
        return obj

    @classmethod
    def from_label(cls, label: str):
        for m in cls:
            if m.label == label:
                return m
        raise ValueError(label)


class Role(LabelledEnum):
    RECEPTIONIST = ("receptionist", "接待员")
    MEDIATOR = ("mediator", "调解员")
    COUNSELLOR = ("counsellor", "心理咨询师")
    DIRECTOR = ("director", "主任")
    ADMIN = ("admin", "系统管理员")


class Channel(LabelledEnum):
    VISIT = ("visit", "来访")
    LETTER = ("letter", "来信")
    CALL = ("call", "来电")
    GRID = ("grid", "网格上报")
    PLATFORM = ("platform", "平台转入")
    SUPERIOR = ("superior", "上级交办")


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
    ROOM = ("room", "中心功能室")
    STATIONED = ("stationed", "派驻单位")
    EXTERNAL = ("external", "上级/其他机关")


class EventKind(LabelledEnum):
    REGISTERED = ("registered", "登记")
    ANSWERED = ("answered", "当场解答")
    ROUTED = ("routed", "分流交办")
    NOTE = ("note", "备注")
    STATUS = ("status", "状态变更")
    ACCEPTED = ("accepted", "承办人接收")
    RETURNED = ("returned", "退回")
    PROGRESS = ("progress", "办理进展")
    EXTENDED = ("extended", "延期")
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


class ArrangementKind(LabelledEnum):
    APPOINTMENT = ("appointment", "预约联动")
    ESCORT = ("escort", "信访陪访")
    PROXY = ("proxy", "代理服务")


class Satisfaction(LabelledEnum):
    SATISFIED = ("satisfied", "满意")
    FAIRLY = ("fairly", "基本满意")
    DISSATISFIED = ("dissatisfied", "不满意")


class DayKind(LabelledEnum):
    HOLIDAY = ("holiday", "法定节假日")
    WORKDAY = ("workday", "调休上班")


class MeetingKind(LabelledEnum):
    WEEKLY = ("weekly", "工作例会")
    JOINT = ("joint", "联席会议")
    DISPATCH = ("dispatch", "调度会")


class MeetingStatus(LabelledEnum):
    DRAFT = ("draft", "草稿")
    ISSUED = ("issued", "已印发")
    SUPERSEDED = ("superseded", "已更正")


class AttendanceKind(LabelledEnum):
    PRESENT = ("present", "出席")
    ABSENT = ("absent", "请假")
    OBSERVER = ("observer", "列席")


class DecisionStatus(LabelledEnum):
    OPEN = ("open", "办理中")
    DONE = ("done", "已办结")
