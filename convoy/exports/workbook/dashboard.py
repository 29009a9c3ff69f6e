"""Tabs 42–47, Metrics Dashboard: the CSO's aggregates as live formulas over the other tabs
(R54), through the defined names the builder gives their columns, with native charts.

Nothing here is computed in Python: each value is a formula a reader can audit. Only the row
labels (the states, signals, engineers and features) come from the records. A measure whose
records a later part of the app builds says so in words instead of showing a number.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterator
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q
from openpyxl.chart import BarChart, PieChart, Reference

from convoy.exports.workbook.base import CHUNK, Section, Tab, calculated, text
from convoy.exports.workbook.cells import Formula
from convoy.exports.workbook.change_manifest import CHANGE_STATES, Rows, feature_code
from convoy.models import (
    Change,
    ChangeState,
    Convoy,
    Feature,
    FeatureStatus,
    PcrState,
    Role,
    RoleAssignment,
    Signal,
    Verdict,
)

PERCENT = "0.0%"
DAYS = "0.00"
SHIPPED = FeatureStatus.SHIPPED.label
ACCEPTED = ChangeState.ACCEPTED.label


def q(label: str) -> str:
    """A text criterion inside a formula."""
    return '"' + label.replace('"', '""') + '"'


class Dashboard(Tab):
    section = Section.METRICS_DASHBOARD
    key = ""


class Measures(Dashboard):
    """A dashboard of named measures: (label, formula or words, rule, basis) rows.

    `measures` returns the rows in order; a formula may refer to an earlier measure's value
    by its label through `self.cell(label)`.
    """

    columns = (
        text("Measure", 44),
        calculated("Value", 22),
        text("Rule", 8),
        text("Counted from", 60),
    )

    def __init__(self) -> None:
        self._rows: dict[str, int] = {}

    def cell(self, label: str) -> str:
        return f"B{self._rows[label]}"

    @abstractmethod
    def measures(self) -> Iterator[tuple[str, Any, str, str]]:
        """(label, value or formula, rule, what it is counted from), one row each."""

    def rows(self, convoy: Convoy) -> Rows:
        self._rows = {}
        for row, (label, value, rule, basis) in enumerate(self.measures(), start=2):
            self._rows[label] = row
            yield (label, value, rule, basis)


class ConvoySummary(Measures):
    title = "Convoy Summary"

    def measures(self) -> Iterator[tuple[str, Any, str, str]]:
        c = self.cell
        yield ("Features registered", Formula("=COUNT(Features_EstSP)"), "§3", "Feature Inventory")
        yield (
            "Features shipped",
            Formula(f"=COUNTIFS(Features_Status,{q(SHIPPED)})"),
            "R48",
            "Feature Inventory, Status",
        )
        yield (
            "Features deferred",
            Formula(f"=COUNTIFS(Features_Status,{q(FeatureStatus.DEFERRED.label)})"),
            "R10",
            "Feature Inventory, Status",
        )
        yield (
            "Features bearing Legacy Priority",
            Formula("=COUNTIFS(Features_Legacy,TRUE)"),
            "R10",
            "Feature Inventory, Legacy Priority",
        )
        yield ("Estimated story points", Formula("=SUM(Features_EstSP)"), "§3", "Feature Inventory")
        yield ("Actual story points", Formula("=SUM(Features_ActualSP)"), "§3", "Feature Inventory")
        yield (
            "Estimated effort (person-days)",
            Formula("=SUM(Features_Effort)"),
            "R13",
            "Feature Inventory: 1 SP = 0.73 person-days",
        )
        yield ("Tasks provisioned", Formula("=COUNT(Tasks_Hours)"), "R14", "Provisioning Tasks")
        yield ("Task hours", Formula("=SUM(Tasks_Hours)"), "R14", "Provisioning Tasks, Hours")
        yield (
            "Stretch opportunity (person-days, latest)",
            Formula("=IF(COUNT(Stretch_Gap)=0,0,INDEX(Stretch_Gap,1))"),
            "R15",
            "Stretch Opportunities, latest reconciliation",
        )
        yield ("Changes recorded", Formula("=COUNT(Changes_LinesAdded)"), "§4", "Change Register")
        yield (
            "Changes accepted",
            Formula(f"=COUNTIFS(Changes_State,{q(ACCEPTED)})"),
            "R30",
            "Change Register, State",
        )
        yield (
            "Changes rejected",
            Formula(f"=COUNTIFS(Changes_State,{q(ChangeState.REJECTED.label)})"),
            "R30",
            "Change Register, State",
        )
        yield (
            "Testing Completion Certificates",
            Formula("=COUNT(QaCerts_IssuedAt)"),
            "R22",
            "QA Testing Certificates",
        )
        yield (
            "Priority Change Requests granted",
            Formula(f"=COUNTIFS(Mast_Verdict,{q(PcrState.GRANTED.label)})"),
            "R17",
            "Captain's Mast Arbitration, Verdict",
        )
        yield (
            "Manifest documents with a verified signature",
            Formula("=COUNTIFS(ManifestDocs_Verified,TRUE)"),
            "R36",
            "Manifest Signatures",
        )
        yield ("CSC sittings", Formula("=COUNT(Csc_Sitting)"), "R38", "CSC Verdicts")
        yield (
            "Verdicts: The Fleet Is Held in Port.",
            Formula(f"=COUNTIFS(Csc_Verdict,{q(Verdict.HELD_IN_PORT.label)})"),
            "R39",
            "CSC Verdicts, Verdict",
        )
        yield (
            "Features committed 8 quarters earlier",
            Formula("=COUNT(Commitments_TargetYear)"),
            "R16",
            "Eight-Quarter Commitment",
        )
        fcr = "Feature Completion Ratio (%)"
        yield (
            fcr,
            Formula(
                f'=IF({c("Features committed 8 quarters earlier")}=0,"",'
                f"{c('Features shipped')}/{c('Features committed 8 quarters earlier')}*100)",
                "0.0",
            ),
            "R48",
            "Features shipped ÷ features committed 8 quarters earlier × 100",
        )
        yield (
            "Feature Completion Ratio tier",
            Formula(
                f'=IF({c(fcr)}="","No locked commitment",IF({c(fcr)}<85,"Remediation required",'
                f'IF({c(fcr)}<100,"Below expectations",IF({c(fcr)}<115,"Expectations met",'
                f'IF({c(fcr)}<130,"Velocity surplus","Transformation elite")))))'
            ),
            "R48",
            "Below 85 % remediation; 100 % met; 115 % surplus; 130 % elite",
        )
        yield (
            "Escalation",
            Formula(
                f'=IF({c(fcr)}="","None",IF({c(fcr)}<60,"Recommend the Tribunal",'
                f'IF({c(fcr)}<=70,"Convene an Emergency Status Review with every Feature Captain",'
                f'IF({c(fcr)}<=80,"Alert the ATO and request a root cause analysis",'
                f'IF({c(fcr)}<=90,"Notify the Commodore","None")))))'
            ),
            "R49",
            "At 90 % notify the Commodore; 80 % the ATO; 70 % Emergency Status Review; "
            "below 60 % the Tribunal",
        )
        yield ("Audit events", Formula("=COUNT(Audit_Seq)"), "R57", "Audit Trail")


class ChangePipeline(Dashboard):
    title = "Change Pipeline"
    columns = (
        text("State", 20),
        calculated("Changes", 10),
        calculated("Share of Changes", 12),
    )

    def rows(self, convoy: Convoy) -> Rows:
        states = list(ChangeState)
        total_row = len(states) + 2
        for row, state in enumerate(states, start=2):
            yield (
                CHANGE_STATES[state],
                Formula(f"=COUNTIFS(Changes_State,A{row})"),
                Formula(f"=IF($B${total_row}=0,0,B{row}/$B${total_row})", PERCENT),
            )
        yield (
            "All Changes",
            Formula(f"=SUM(B2:B{total_row - 1})"),
            Formula(f"=IF(B{total_row}=0,0,1)", PERCENT),
        )

    def charts(self, ws: Any, last_row: int) -> list[tuple[Any, str]]:
        chart = BarChart()
        chart.type = "bar"
        chart.title = "Changes by pipeline state"
        chart.y_axis.title = "Changes"
        chart.legend = None
        chart.add_data(
            Reference(ws, min_col=2, min_row=1, max_row=last_row - 1), titles_from_data=True
        )
        chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=last_row - 1))
        chart.width, chart.height = 18, 9
        return [(chart, "E2")]


class FeatureSignals(Dashboard):
    title = "Feature Signals"
    columns = (
        text("Signal", 14),
        calculated("Features", 10),
        calculated("Status reports", 10),
    )

    def rows(self, convoy: Convoy) -> Rows:
        signals = list(Signal)
        for row, signal in enumerate(signals, start=2):
            yield (
                signal.label,
                Formula(f"=COUNTIFS(Features_Signal,A{row})"),
                Formula(f"=COUNTIFS(Reports_Signal,A{row})"),
            )
        last = len(signals) + 1
        yield (
            "No signal reported",
            Formula(f"=COUNT(Features_EstSP)-SUM(B2:B{last})"),
            Formula(f"=COUNTIFS(Reports_Signal,A{last + 1})"),
        )

    def charts(self, ws: Any, last_row: int) -> list[tuple[Any, str]]:
        chart = PieChart()
        chart.title = "Features by signal"
        chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=last_row), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=last_row))
        chart.width, chart.height = 12, 9
        return [(chart, "E2")]


class EngineerMetrics(Dashboard):
    """R51 per Code Engineer, every figure counted from the other tabs."""

    title = "Engineer Metrics"
    columns = (
        text("Code Engineer", 22),
        text("Username", 16),
        text("Team", 16),
        calculated("Changes authored", 10),
        calculated("Lines added", 10),
        calculated("Lines removed", 10),
        calculated("Feature Teams", 9),
        calculated("Completed SP (FC estimates)", 13),
        calculated("Individual Velocity (SP per day)", 14),
        calculated("Defects (full attribution)", 12),
    )
    empty = "No records: {convoy} has no Code Engineers."

    def rows(self, convoy: Convoy) -> Rows:
        engineers = (
            get_user_model()
            .objects.filter(
                Q(
                    pk__in=RoleAssignment.objects.filter(
                        convoy=convoy, role=Role.CODE_ENGINEER
                    ).values("user_id")
                )
                | Q(pk__in=Change.objects.filter(feature__convoy=convoy).values("author_id"))
            )
            .order_by("username")
            .values_list("crew__display_name", "username", "crew__team")
        )
        for row, (name, username, team) in enumerate(engineers.iterator(chunk_size=CHUNK), 2):
            b = f"$B{row}"
            yield (
                name or username,
                username,
                team,
                Formula(f"=COUNTIFS(Changes_Engineer,{b})"),
                Formula(f"=SUMIFS(Changes_LinesAdded,Changes_Engineer,{b})"),
                Formula(f"=SUMIFS(Changes_LinesRemoved,Changes_Engineer,{b})"),
                Formula(f"=COUNTIFS(Team_Engineer,{b})"),
                Formula(f"=SUMIFS(Team_EstSP,Team_Engineer,{b},Team_Status,{q(SHIPPED)})"),
                Formula(f"=H{row}/Charter_Days", "0.000"),
                Formula(f"=COUNTIFS(Defects_Engineer,{b})"),
            )

    def charts(self, ws: Any, last_row: int) -> list[tuple[Any, str]]:
        if last_row < 2:
            return []
        chart = BarChart()
        chart.title = "Changes authored per Code Engineer"
        chart.legend = None
        chart.add_data(Reference(ws, min_col=4, min_row=1, max_row=last_row), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=2, min_row=2, max_row=last_row))
        chart.width, chart.height = 24, 9
        return [(chart, "L2")]


class FeatureMetrics(Dashboard):
    title = "Feature Metrics"
    columns = (
        text("Feature", 9),
        text("Name", 30),
        calculated("Estimated SP", 10),
        calculated("Actual SP", 10),
        calculated("Variance (SP)", 10),
        calculated("WSVF", 10),
        calculated("Tasks", 8),
        calculated("Task hours", 9),
        calculated("Changes", 9),
        calculated("Changes accepted", 10),
    )
    empty = "No records: {convoy} has no features registered."

    def rows(self, convoy: Convoy) -> Rows:
        features = (
            Feature.objects.filter(convoy=convoy).order_by("number").values_list("number", "name")
        )
        for row, (number, name) in enumerate(features.iterator(chunk_size=CHUNK), start=2):
            a = f"$A{row}"
            yield (
                feature_code(number),
                name,
                Formula(f"=SUMIFS(Features_EstSP,Features_Code,{a})"),
                Formula(f"=SUMIFS(Features_ActualSP,Features_Code,{a})"),
                Formula(
                    f'=IF(COUNTIFS(Features_Code,{a},Features_ActualSP,"<>")=0,"",D{row}-C{row})'
                ),
                Formula(f"=SUMIFS(Wsvf_Score,Wsvf_Feature,{a})", "0.00"),
                Formula(f"=COUNTIFS(Tasks_Feature,{a})"),
                Formula(f"=SUMIFS(Tasks_Hours,Tasks_Feature,{a})"),
                Formula(f"=COUNTIFS(Changes_Feature,{a})"),
                Formula(f"=COUNTIFS(Changes_Feature,{a},Changes_State,{q(ACCEPTED)})"),
            )

    def charts(self, ws: Any, last_row: int) -> list[tuple[Any, str]]:
        if last_row < 2:
            return []
        chart = BarChart()
        chart.title = "Estimated and actual story points"
        chart.y_axis.title = "Story points"
        chart.add_data(
            Reference(ws, min_col=3, max_col=4, min_row=1, max_row=last_row), titles_from_data=True
        )
        chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=last_row))
        chart.width, chart.height = 24, 9
        return [(chart, "L2")]


NOT_YET = "Not yet measurable"


class FlowXray(Measures):
    """§12: the numbers the framework does not report, from the same tabs."""

    title = "Flow X-ray"

    def measures(self) -> Iterator[tuple[str, Any, str, str]]:
        c = self.cell
        batch = "Batch size (Changes in this deployment)"
        yield (batch, Formula("=COUNT(Changes_LinesAdded)"), "§12", "Change Register")
        yield (
            "Coordination load (pairs held in mind, n·(n−1)/2)",
            Formula(f"={c(batch)}*({c(batch)}-1)/2"),
            "§12",
            "Batch size",
        )
        yield (
            "Blast radius (Changes rolled back together if one fails)",
            Formula(f"={c(batch)}"),
            "§12",
            "Every Change of the Convoy sails in one batch",
        )
        yield (
            "Testing Completion Certificates",
            Formula("=COUNT(QaCerts_IssuedAt)"),
            "R22",
            "QA Testing Certificates",
        )
        yield (
            "Median wait, QA certificate to sailing (days)",
            Formula(
                '=IF(OR(COUNT(Charter_Sailed)=0,COUNT(QaCerts_IssuedAt)=0),"",'
                "Charter_Sailed-MEDIAN(QaCerts_IssuedAt))",
                DAYS,
            ),
            "§12",
            "Convoy Charter, Sailed; QA Testing Certificates, Certified at",
        )
        yield (
            "Deployment frequency (deployments this quarter)",
            Formula("=IF(COUNT(Charter_Sailed)=0,0,1)"),
            "§12",
            "Convoy Charter, Sailed",
        )
        yield (
            "Lead time for changes (record to CRAP approval)",
            NOT_YET,
            "R50",
            "The CRAP approval dates arrive with the CRAP Convening.",
        )
        yield (
            "Change failure rate",
            NOT_YET,
            "§12",
            "Defects arrive with the Dry Dock (Defect Attribution).",
        )
        yield (
            "Time to restore",
            NOT_YET,
            "§12",
            "Defects arrive with the Dry Dock (Defect Attribution).",
        )
        yield (
            "Ceremony hours (duration × attendees)",
            NOT_YET,
            "§12",
            "Ceremony durations arrive with the CRAP Convening and Fleet Inspection.",
        )
