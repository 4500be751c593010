"""矛盾调解 · 家事调解: the room tab and its pages, one file each.

``tab.MediationTab`` holds the case being shown and wires the pages: the case list
(``case_list``), the case's facts and parties (``case_page``, ``parties``), 调解笔录
(``record``), the agreement (``agreement``), follow-ups (``followups``), the family room's
page (``family``) and the documents with the case's timeline (``documents``). A page owns its
buttons' slots; it runs its writes through the tab (``MediationTab.run``), which shows the
outcome and reloads the case.
"""

from __future__ import annotations

from .tab import MediationTab

__all__ = ["MediationTab"]
