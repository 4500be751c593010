"""矛盾调解 · 家事调解: the tab lives in the ``app.views.mediation`` package, a file per page;
this module keeps ``from app.views.mediation_tab import MediationTab`` working."""

from __future__ import annotations

from .mediation import MediationTab

__all__ = ["MediationTab"]
