"""One handler per sheet, in the order DESIGN.md applies them (units before people before records)."""

from __future__ import annotations

from taizhang.imports.sheets.base import SheetHandler
from taizhang.imports.sheets.outreach import DemandSheet, MatterSheet, VisitSheet
from taizhang.imports.sheets.people import CampaignSheet, MemberSheet, OrgSheet
from taizhang.imports.sheets.rectification import InstitutionSheet, MeasureSheet, ProblemSheet, TaskSheet
from taizhang.imports.sheets.study import ActivitySheet, SelfStudySheet

HANDLERS: tuple[type[SheetHandler], ...] = (
    OrgSheet,
    MemberSheet,
    CampaignSheet,
    ActivitySheet,
    SelfStudySheet,
    VisitSheet,
    DemandSheet,
    MatterSheet,
    ProblemSheet,
    MeasureSheet,
    InstitutionSheet,
    TaskSheet,
)
HANDLER_BY_KEY = {h.spec.key: h for h in HANDLERS}
