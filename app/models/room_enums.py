"""The rooms' enumerations with their Chinese labels (mediation, counselling, meetings,
registers, duty, key places): named from ``app.models.enums`` and ``app.models`` as the
others are, and imported when first named there."""

from __future__ import annotations

from .labelled import LabelledEnum


class ArrangementKind(LabelledEnum):
    APPOINTMENT = ("appointment", "预约联动")
    ESCORT = ("escort", "信访陪访")
    PROXY = ("proxy", "代理服务")


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


class CaseStatus(LabelledEnum):
    ACCEPTED = ("accepted", "受理")
    MEDIATING = ("mediating", "调解中")
    SUCCEEDED = ("succeeded", "调解成功")
    FAILED = ("failed", "调解不成功")
    TERMINATED = ("terminated", "终止")
    TRANSFERRED = ("transferred", "转办")
    ARCHIVED = ("archived", "已归档")

    @property
    def is_open(self) -> bool:
        return self in (CaseStatus.ACCEPTED, CaseStatus.MEDIATING)


class DisputeType(LabelledEnum):
    """The statistics categories of people's mediation (docs/DOMAIN.md §5)."""

    MARRIAGE_FAMILY = ("marriage_family", "婚姻家庭")
    NEIGHBOUR = ("neighbour", "邻里")
    HOUSING = ("housing", "房屋宅基地")
    CONTRACT = ("contract", "合同")
    BUSINESS = ("business", "生产经营")
    DAMAGES = ("damages", "损害赔偿")
    LAND = ("land", "山林土地")
    EXPROPRIATION = ("expropriation", "征地拆迁")
    POLLUTION = ("pollution", "环境污染")
    LABOUR = ("labour", "劳动争议")
    CONSUMER = ("consumer", "消费")
    MEDICAL = ("medical", "医疗")
    TRAFFIC = ("traffic", "道路交通事故")
    PROPERTY_MGMT = ("property_mgmt", "物业")
    VILLAGE_AFFAIRS = ("village_affairs", "村务管理")
    OTHER = ("other", "其他")


class CaseSource(LabelledEnum):
    APPLIED = ("applied", "申请调解")
    OWN_INITIATIVE = ("own_initiative", "主动调解")
    REFERRED = ("referred", "委托移送")


class MediationForm(LabelledEnum):
    PEOPLE = ("people", "人民调解")
    ADMINISTRATIVE = ("administrative", "行政调解")
    JUDICIAL = ("judicial", "司法调解（引导至法院）")
    ARBITRATION = ("arbitration", "仲裁（引导至仲裁机构）")


class TransferBody(LabelledEnum):
    COURT = ("court", "人民法院")
    ADMINISTRATIVE = ("administrative", "行政机关")
    ARBITRATION = ("arbitration", "仲裁机构")
    POLICE = ("police", "公安机关")
    OTHER = ("other", "其他单位")


class PartyRole(LabelledEnum):
    APPLICANT = ("applicant", "申请人")
    RESPONDENT = ("respondent", "被申请人")
    THIRD = ("third", "第三人")


class PartyKind(LabelledEnum):
    PERSON = ("person", "自然人")
    ORGANISATION = ("organisation", "法人或其他组织")


class AgreementKind(LabelledEnum):
    WRITTEN = ("written", "书面协议")
    ORAL = ("oral", "口头协议")


class AgreementStatus(LabelledEnum):
    DRAFT = ("draft", "草稿")
    SIGNED = ("signed", "已签署生效")
    SUPERSEDED = ("superseded", "已更正")


class FollowUpMethod(LabelledEnum):
    PHONE = ("phone", "电话回访")
    HOME = ("home", "上门回访")
    VISIT = ("visit", "当事人来访")
    OTHER = ("other", "其他方式")


class Performance(LabelledEnum):
    DONE = ("done", "已履行完毕")
    ONGOING = ("ongoing", "正在履行")
    PARTIAL = ("partial", "部分履行")
    NOT = ("not", "未履行")


class ConfirmationResult(LabelledEnum):
    PENDING = ("pending", "待裁定")
    CONFIRMED = ("confirmed", "确认有效")
    REFUSED = ("refused", "驳回申请")


class ViolenceRisk(LabelledEnum):
    NONE = ("none", "无")
    LOW = ("low", "低")
    HIGH = ("high", "高")


class ProtectionKind(LabelledEnum):
    WARNING_LETTER = ("warning_letter", "告诫书（转介公安机关）")
    PROTECTION_ORDER = ("protection_order", "人身安全保护令（引导向法院申请）")
    SHELTER = ("shelter", "临时庇护")


class FamilyService(LabelledEnum):
    LEGAL_PUBLICITY = ("legal_publicity", "普法宣传")
    LEGAL_ADVICE = ("legal_advice", "法律咨询")
    MARRIAGE_GUIDANCE = ("marriage_guidance", "婚姻家庭指导")
    FAMILY_MEDIATION = ("family_mediation", "家庭纠纷调解")
    ANTI_VIOLENCE = ("anti_violence", "反家庭暴力宣传")
    COUNSELLING = ("counselling", "心理咨询")
    PARENTING = ("parenting", "家庭教育咨询")


class TargetGroup(LabelledEnum):
    """暖心工作室的重点人群 (the notice's five groups, and others)."""

    CONFLICT = ("conflict", "矛盾突出")
    SETBACK = ("setback", "生活失意")
    IMBALANCE = ("imbalance", "心态失衡")
    BEHAVIOUR = ("behaviour", "行为失常")
    PARANOID = ("paranoid", "性格偏执")
    OTHER = ("other", "其他")


class ClientSource(LabelledEnum):
    SELF = ("self", "主动来访")
    RECEPTION = ("reception", "接待窗口转介")
    MEDIATOR = ("mediator", "调解员转介")
    GRID = ("grid", "网格员转介")


class SessionForm(LabelledEnum):
    INDIVIDUAL = ("individual", "个体咨询")
    FAMILY = ("family", "家庭咨询")
    GROUP = ("group", "团体辅导")
    CRISIS = ("crisis", "危机干预")
    PHONE = ("phone", "电话咨询")


class RiskLevel(LabelledEnum):
    LOW = ("low", "低")
    MEDIUM = ("medium", "中")
    HIGH = ("high", "高")
    CRISIS = ("crisis", "危机")

    @property
    def is_alert(self) -> bool:
        """高 and 危机 raise an alert to the director (without the notes)."""
        return self in (RiskLevel.HIGH, RiskLevel.CRISIS)


class CarePlanStatus(LabelledEnum):
    ACTIVE = ("active", "帮扶中")
    CLOSED = ("closed", "已结束")


class ActivityKind(LabelledEnum):
    GROUP = ("group", "团体活动")
    PUBLICITY = ("publicity", "心理健康宣传教育")


class ConsentKind(LabelledEnum):
    WRITTEN = ("written", "书面同意")
    ORAL = ("oral", "口头同意（已记录）")


class WatchLevel(LabelledEnum):
    """特殊人群的风险（管控）等级."""

    LOW = ("low", "低")
    MEDIUM = ("medium", "中")
    HIGH = ("high", "高")


class SafetyKind(LabelledEnum):
    VILLAGE = ("village", "平安村")
    FAMILY = ("family", "平安家庭")
    UNIT = ("unit", "平安单位")
    ENTERPRISE = ("enterprise", "平安企业")
    MARKET = ("market", "平安市场")


class SafetyStatus(LabelledEnum):
    ONGOING = ("ongoing", "创建中")
    PASSED = ("passed", "已达标")
    FAILED = ("failed", "未达标")


class YouthCategory(LabelledEnum):
    """重点青少年的类别 (预防青少年违法犯罪工作的重点对象)."""

    IDLE = ("idle", "闲散青少年")
    MISBEHAVING = ("misbehaving", "不良行为青少年")
    SERIOUS = ("serious", "严重不良行为青少年")
    CORRECTION = ("correction", "社区矫正青少年")
    VAGRANT = ("vagrant", "流浪乞讨未成年人")
    INMATE_CHILD = ("inmate_child", "服刑人员未成年子女")
    LEFT_BEHIND = ("left_behind", "农村留守儿童")
    OTHER = ("other", "其他")


class SchoolStatus(LabelledEnum):
    """重点青少年的就学就业情况."""

    IN_SCHOOL = ("in_school", "在校")
    DROPPED = ("dropped", "辍学")
    NOT_ENROLLED = ("not_enrolled", "未入学")
    WORKING = ("working", "已就业")
    IDLE = ("idle", "无业")


class SchoolKind(LabelledEnum):
    KINDERGARTEN = ("kindergarten", "幼儿园")
    PRIMARY = ("primary", "小学")
    JUNIOR = ("junior", "初中")
    SENIOR = ("senior", "高中")
    VOCATIONAL = ("vocational", "中职学校")
    TRAINING = ("training", "校外培训机构")
    OTHER = ("other", "其他")


class RectifyStatus(LabelledEnum):
    """校园及周边、护路护线检查发现问题的整改情况."""

    NONE = ("none", "无需整改")
    PENDING = ("pending", "整改中")
    DONE = ("done", "已整改")


class LineKind(LabelledEnum):
    """护路护线: 铁路、公路、电力、通信、油气管道."""

    RAILWAY = ("railway", "铁路")
    ROAD = ("road", "公路")
    POWER = ("power", "电力线路")
    TELECOM = ("telecom", "通信线路")
    PIPELINE = ("pipeline", "油气管道")
    OTHER = ("other", "其他")


class DrugCategory(LabelledEnum):
    """禁毒: 社区戒毒、社区康复 and the other people using drugs the center keeps up with."""

    COMMUNITY_DETOX = ("community_detox", "社区戒毒")
    COMMUNITY_REHAB = ("community_rehab", "社区康复")
    ABSTINENT = ("abstinent", "戒断三年未复吸")
    OTHER_USER = ("other_user", "其他吸毒人员")


class DrugStatus(LabelledEnum):
    ACTIVE = ("active", "在管")
    MISSING = ("missing", "失联")
    DETAINED = ("detained", "强制隔离戒毒")
    RELEASED = ("released", "已解除")


class UrineResult(LabelledEnum):
    """尿检结果."""

    NEGATIVE = ("negative", "阴性")
    POSITIVE = ("positive", "阳性")


class AidType(LabelledEnum):
    """社会救助的类型 (社会救助暂行办法)."""

    TEMPORARY = ("temporary", "临时救助")
    SUBSISTENCE = ("subsistence", "低保")
    EXTREME_POVERTY = ("extreme_poverty", "特困")
    MEDICAL = ("medical", "医疗救助")
    EDUCATION = ("education", "教育救助")
    HOUSING = ("housing", "住房救助")
    OTHER = ("other", "其他")


class EmergencyLevel(LabelledEnum):
    """突发事件的级别 (突发事件应对法: 一般、较大、重大、特别重大)."""

    GENERAL = ("general", "一般")
    LARGER = ("larger", "较大")
    MAJOR = ("major", "重大")
    GRAVE = ("grave", "特别重大")


class ReportKind(LabelledEnum):
    """信息报送: the kinds of report sent upward, each numbered per year."""

    SITUATION = ("situation", "情况报告")
    SPECIAL = ("special", "专报")
    BRIEF = ("brief", "简报")
    EMERGENCY = ("emergency", "突发事件报告")


class ReportStage(LabelledEnum):
    """突发事件报告: 首报, then 续报 (any number), then 终报."""

    FIRST = ("first", "首报")
    FOLLOW = ("follow", "续报")
    FINAL = ("final", "终报")


class VisitMethod(LabelledEnum):
    """特殊人群走访的方式."""

    IN_PERSON = ("in_person", "走访")
    PHONE = ("phone", "电话")
    VIDEO = ("video", "视频")


class PlaceKind(LabelledEnum):
    """重点场所的类型."""

    RENTAL = ("rental", "出租房")
    ENTERTAINMENT = ("entertainment", "娱乐场所")
    DELIVERY = ("delivery", "寄递网点")
    HOTEL = ("hotel", "旅馆")
    INTERNET_CAFE = ("internet_cafe", "网吧")
    FUEL = ("fuel", "加油站")
    SECOND_HAND = ("second_hand", "废旧物品回收")
    OTHER = ("other", "其他")
