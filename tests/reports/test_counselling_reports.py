"""The recovery-key sheet and the referral summary print what they must, and nothing more."""

from __future__ import annotations

import io
from datetime import date, datetime

from pypdf import PdfReader

from app.reports.recovery_key import RecoveryKeyData, render_recovery_key
from app.reports.referral import ReferralData, ReferralSession, render_referral


def text_of(pdf: bytes) -> str:
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).replace(" ", "")


def test_recovery_sheet_prints_every_group_and_the_fingerprint():
    key = "6A7IM-ZJ7ZE-EOFL4-GXKQU-N6T34-FYBPV-WJXBC-WILKB-2Z6UP-TLMEB-4WSYY"
    text = text_of(
        render_recovery_key(
            RecoveryKeyData(
                "白石街道综治工作中心", key, "E881-E262-DB69-35CB", datetime(2026, 11, 25, 9)
            )
        )
    )
    for group in key.split("-"):
        assert group in text
    assert "E881-E262-DB69-35CB" in text and "保险柜" in text and "恢复密钥" in text


def test_referral_carries_only_what_was_chosen_with_secret_mark_and_consent():
    data = ReferralData(
        center_name="白石街道综治工作中心",
        center_phone="0577-61234567",
        client_label="小林（化名）",
        to_body="乐清市第三人民医院心理科",
        reason="睡眠障碍持续两月，建议专科评估",
        summary="来访者同意转介，希望尽快就诊。",
        risk_level="",
        consent="书面同意",
        consent_on=date(2026, 11, 20),
        counsellor="周静",
        printed_at=datetime(2026, 11, 25, 10, 0),
        reference="AB12CD34",
        sessions=[ReferralSession(date(2026, 11, 18), "个体咨询", 50, "")],
    )
    text = text_of(render_referral(data))
    assert "保密" in text and "书面同意" in text and "2026年11月20日" in text
    assert "乐清市第三人民医院心理科" in text and "小林（化名）" in text
    assert "未附记录内容" in text  # the notes were not chosen
    assert "当前风险等级" not in text
