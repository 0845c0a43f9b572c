"""What one import knows while it validates: the units, people, campaigns, activity types and problems
already in the database plus those the workbook creates, all in memory, so checking a row costs no query.

Units are kept with their materialized path; a unit the workbook creates gets a provisional path under
its parent ("/1/4/+7/"), so "is this unit inside that subtree" is the same string test for old and new.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils import timezone

from taizhang.core.access import scope_for, subtree_q
from taizhang.imports import messages as msg
from taizhang.imports.cells import NameEntry, normalise_label
from taizhang.imports.errors import Errors


@dataclass(eq=False)
class OrgNode:
    code: str
    name: str
    kind: str
    path: str
    pk: int | None = None
    parent: OrgNode | None = None
    obj: Any = None  # the Organization to create (new units only)

    @property
    def is_new(self) -> bool:
        return self.pk is None

    def holds(self, other: OrgNode) -> bool:
        """True when `other` is this unit or one under it."""
        return other.path.startswith(self.path)


@dataclass(eq=False)
class MemberNode:
    name: str
    org: OrgNode
    active: bool = True
    pk: int | None = None
    digest: str = ""
    obj: Any = None  # the Member to create (new members only)


@dataclass(eq=False)
class CampaignNode:
    code: str
    name: str
    org: OrgNode
    start: date
    end: date
    pk: int | None = None
    obj: Any = None


@dataclass(eq=False)
class ProblemNode:
    code: str
    campaign: CampaignNode | None
    org: OrgNode
    pk: int | None = None
    obj: Any = None


class NameLookup:
    """The outcome of matching one name: a member, or the error message for that name."""

    __slots__ = ("member", "error", "ambiguous")

    def __init__(self, member: MemberNode | None = None, error: str = "", ambiguous: bool = False) -> None:
        self.member = member
        self.error = error
        self.ambiguous = ambiguous


@dataclass
class ImportContext:
    user: Any = None
    errors: Errors = field(default_factory=Errors)
    # The ImportRun being checked or written (recorded on what the import signs off), and whether it
    # comes from the command line (the server operator: may bring problems in closed, issue 16 F3).
    run_id: int | None = None
    command_line: bool = False
    now: datetime = field(default_factory=timezone.now)
    paths: tuple[str, ...] = ("/",)
    orgs: dict[str, OrgNode] = field(default_factory=dict)
    orgs_by_pk: dict[int, OrgNode] = field(default_factory=dict)
    members: list[MemberNode] = field(default_factory=list)
    members_by_pk: dict[int, MemberNode] = field(default_factory=dict)
    campaigns: dict[str, CampaignNode] = field(default_factory=dict)
    campaigns_by_pk: dict[int, CampaignNode] = field(default_factory=dict)
    problems: dict[tuple[str, str], ProblemNode] = field(default_factory=dict)
    # activity type lookups: (campaign code or "", normalised name or code) → type pk
    types: dict[tuple[str, str], int] = field(default_factory=dict)
    type_names: dict[int, str] = field(default_factory=dict)
    _by_name: dict[str, list[MemberNode]] = field(default_factory=lambda: defaultdict(list))
    _subtree_members: dict[str, list[MemberNode]] = field(default_factory=dict)
    _campaign_cache: dict[tuple[str, date | None], CampaignNode | None] = field(default_factory=dict)
    _new_org_seq: int = 0
    _problem_codes: dict[str, list[ProblemNode]] = field(default_factory=lambda: defaultdict(list))
    _problems_loaded: bool = False
    # Keys of rows that failed their own checks (党员 names, 问题编号, 学习教育编码): a later row that
    # names one is told to fix that row first, instead of hearing that the name does not exist.
    failed: dict[tuple[str, str], int] = field(default_factory=dict)

    @property
    def today(self) -> date:
        return timezone.localtime(self.now).date()

    @property
    def actor(self) -> Any:
        return self.user if getattr(self.user, "is_authenticated", False) else None

    # --- loading ----------------------------------------------------------------------------

    @classmethod
    def load(cls, *, user: Any) -> ImportContext:
        """Everything the checks need, in a handful of queries (values only: nothing decrypted)."""
        from taizhang.campaigns.models import Campaign
        from taizhang.core.access import Cap
        from taizhang.org.models import Member, Organization
        from taizhang.study.models import ActivityType

        ctx = cls(user=user)
        if user is not None:
            ctx.paths = scope_for(user).paths(Cap.MANAGE)
        rows = Organization.objects.values_list("id", "code", "name", "kind", "path", "parent_id")
        parents: dict[int, int | None] = {}
        for pk, code, name, kind, path, parent_id in rows:
            node = OrgNode(code=code, name=name, kind=kind, path=path, pk=pk)
            ctx.orgs[code] = node
            ctx.orgs_by_pk[pk] = node
            parents[pk] = parent_id
        for pk, parent_id in parents.items():
            if parent_id is not None:
                ctx.orgs_by_pk[pk].parent = ctx.orgs_by_pk.get(parent_id)
        members = Member.objects.filter(subtree_q(ctx.paths, "org")) if ctx.paths else Member.objects.none()
        for pk, name, org_id, active, digest in members.values_list(
            "id", "name", "org_id", "is_active", "id_digest"
        ):
            ctx.add_member(
                MemberNode(name=name, org=ctx.orgs_by_pk[org_id], active=active, pk=pk, digest=digest)
            )
        for pk, code, name, org_id, start, end in Campaign.objects.values_list(
            "id", "code", "name", "org_id", "start_date", "end_date"
        ):
            node = CampaignNode(code=code, name=name, org=ctx.orgs_by_pk[org_id], start=start, end=end, pk=pk)
            ctx.campaigns[code] = node
            ctx.campaigns_by_pk[pk] = node
        for pk, code, name, campaign_code in ActivityType.objects.values_list(
            "id", "code", "name", "campaign__code"
        ):
            from taizhang.imports.cells import normalise_label

            key = campaign_code or ""
            ctx.types[(key, normalise_label(name))] = pk
            ctx.types.setdefault((key, code.lower()), pk)
            ctx.type_names[pk] = name
        return ctx

    # --- units ------------------------------------------------------------------------------

    def in_scope(self, node: OrgNode) -> bool:
        return any(node.path.startswith(p) for p in self.paths)

    def org(self, code: str) -> OrgNode | None:
        """A unit the user may import into, or None (unknown and out-of-scope look the same)."""
        node = self.orgs.get(code)
        if node is None or not self.in_scope(node):
            return None
        return node

    def new_org_path(self, parent: OrgNode | None) -> str:
        self._new_org_seq += 1
        return f"{parent.path if parent else '/'}+{self._new_org_seq}/"

    # --- people -----------------------------------------------------------------------------

    def add_member(self, node: MemberNode) -> None:
        self.members.append(node)
        if node.pk is not None:
            self.members_by_pk[node.pk] = node
        self._by_name[node.name].append(node)
        self._subtree_members.clear()

    def members_named(self, name: str, org: OrgNode) -> list[MemberNode]:
        """Members of that name in the unit itself (the member sheet's natural key without ID number)."""
        return [m for m in self._by_name.get(name, ()) if m.org is org]

    def match_name(self, name: str, within: OrgNode) -> NameLookup:
        """The one member of that name in the unit's subtree; active members win over those moved out."""
        found = [m for m in self._by_name.get(name, ()) if within.holds(m.org)]
        if len(found) > 1:
            active = [m for m in found if m.active]
            if len(active) == 1:
                return NameLookup(active[0])
            found = active or found
        if len(found) == 1:
            return NameLookup(found[0])
        if not found:
            row = self.failed.get(("党员", name))
            if row:
                return NameLookup(error=msg.ROW_FAILED.format(what="", value=name, sheet="党员", row=row))
            return NameLookup(error=msg.UNKNOWN_NAME.format(name=name, org=within.name))
        units = "、".join(dict.fromkeys(m.org.name for m in found))
        return NameLookup(
            error=msg.AMBIGUOUS_NAME.format(name=name, org=within.name, count=len(found), units=units),
            ambiguous=True,
        )

    def match_names(
        self, entries: list[NameEntry], within: OrgNode
    ) -> tuple[list[tuple[NameEntry, MemberNode]], list[str]]:
        matched, problems = [], []
        for entry in entries:
            lookup = self.match_name(entry.name, within)
            if lookup.member is None:
                problems.append(lookup.error)
            else:
                matched.append((entry, lookup.member))
        return matched, problems

    def top_of(self, node: OrgNode) -> OrgNode:
        while node.parent is not None and self.in_scope(node.parent):
            node = node.parent
        return node

    def subtree_members(self, org: OrgNode) -> list[MemberNode]:
        """Active members of the unit and the units under it (参加人员 = 全体)."""
        cached = self._subtree_members.get(org.path)
        if cached is None:
            cached = [m for m in self.members if m.active and org.holds(m.org)]
            self._subtree_members[org.path] = cached
        return cached

    # --- campaigns --------------------------------------------------------------------------

    def campaign_for(self, org: OrgNode, day: date | None) -> CampaignNode | None:
        """DESIGN.md: a dated row goes to the campaign whose unit holds the row's unit and whose period
        holds the date (the most specific unit, then the latest start, wins); an undated row to the
        latest such campaign of its unit; else none."""
        key = (org.path, day)
        if key not in self._campaign_cache:
            fits = [
                c
                for c in self.campaigns.values()
                if c.org.holds(org) and (day is None or c.start <= day <= c.end)
            ]
            if day is None:
                fits.sort(key=lambda c: (c.start, c.end), reverse=True)
            else:
                fits.sort(key=lambda c: (len(c.org.path), c.start), reverse=True)
            self._campaign_cache[key] = fits[0] if fits else None
        return self._campaign_cache[key]

    def forget_campaign_cache(self) -> None:
        self._campaign_cache.clear()

    # --- activity types ---------------------------------------------------------------------

    def activity_type(self, label: str, campaign: CampaignNode | None) -> int | None:
        wanted = normalise_label(label)
        if campaign is not None:
            found = self.types.get((campaign.code, wanted)) or self.types.get((campaign.code, wanted.lower()))
            if found:
                return found
        return self.types.get(("", wanted)) or self.types.get(("", wanted.lower()))

    # --- problems ---------------------------------------------------------------------------

    def add_problem(self, node: ProblemNode, *, replace: bool = False) -> None:
        key = (node.campaign.code if node.campaign else "", node.code)
        old = self.problems.get(key)
        if old is not None:
            if not replace:
                return
            self._problem_codes[node.code].remove(old)
        self.problems[key] = node
        self._problem_codes[node.code].append(node)

    def load_problems(self) -> None:
        """The problems already in the database, in scope (once, when a measure or institution first
        names one); those the 问题清单 sheet created or updated are kept as they are."""
        if self._problems_loaded or not self.paths:
            return
        self._problems_loaded = True
        from taizhang.rectification.models import Problem

        rows = Problem.objects.filter(subtree_q(self.paths, "org")).values_list(
            "id", "code", "campaign_id", "org_id"
        )
        for pk, code, campaign_id, org_id in rows.iterator(chunk_size=2000):
            campaign = self.campaigns_by_pk.get(campaign_id) if campaign_id else None
            self.add_problem(ProblemNode(code=code, campaign=campaign, org=self.orgs_by_pk[org_id], pk=pk))

    def find_problems(self, code: str) -> list[ProblemNode]:
        return list(self._problem_codes.get(code, ()))
