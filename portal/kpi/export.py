"""The HR scorecard workbook: a summary sheet, one sheet per agent, the
definitions, and native Excel charts of the trends.

The content is described once as sheets of typed cells (`Sheet`, `Cell`),
produced lazily, agent by agent; `write_openpyxl` writes it in openpyxl's
write-only mode (with lxml), so memory stays flat however many agents there
are. The benchmark writes the very same cells with xlsxwriter to compare.
Every text cell is written as text, never as a formula.
"""

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import LineChart, Reference
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy import select

from portal.core.extensions import db
from portal.core.text import spreadsheet_safe
from portal.kpi import measures, review_measures, rollup_measures, sheets, targets
from portal.kpi.periods import Period
from reviews.models import Review, RubricVersion
from reviews.rubrics import criterion_catalogue, section_catalogue

# Number formats by a measure's unit; percentages are stored as fractions and
# durations as fractions of a day, so Excel can compute with them.
FORMATS = {"percent": "0.0%", "score": "0.0", "seconds": "[mm]:ss", "count": "0", "text": "@"}
STATUS_FILLS = {
    targets.MET: "C8E6C9",
    targets.NEAR: "FFE0B2",
    targets.MISSED: "FFCDD2",
}


@dataclass
class Cell:
    value: object
    format: str = "text"  # a FORMATS key
    bold: bool = False


@dataclass
class Chart:
    title: str
    first_row: int  # header row of the data block (1-based)
    rows: int  # data rows under it
    series_columns: list[int]  # 1-based columns of the series
    anchor: str


@dataclass
class Sheet:
    name: str
    rows: Callable[[], Iterator[list[Cell]]]
    widths: list[int] = field(default_factory=list)
    freeze: str | None = None
    autofilter: bool = False
    status_columns: list[int] = field(default_factory=list)  # 1-based, for colours
    charts: list[Chart] = field(default_factory=list)


def to_excel(unit: str, value):
    if value is None:
        return None
    if unit == "percent":
        return round(value / 100, 4)
    if unit == "seconds":
        return value / 86400
    return value


_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def sheet_names(names: list[str], reserved=()) -> list[str]:
    """Valid, unique sheet names: at most 31 characters, none of []:*?/\\, no
    leading/trailing apostrophe; a repeated name gets " (2)", " (3)"…"""
    taken = {n.lower() for n in (*reserved, "History")}  # Excel keeps "History" for itself
    result = []
    for name in names:
        base = _FORBIDDEN.sub(" ", name).strip().strip("'").strip() or "Sheet"
        candidate, n = _fit(base, ""), 1
        while candidate.lower() in taken:
            n += 1
            candidate = _fit(base, f" ({n})")
        taken.add(candidate.lower())
        result.append(candidate)
    return result


def _fit(base: str, suffix: str) -> str:
    # Cut to 31 characters; a cut must not leave an apostrophe at either end.
    return (base[: 31 - len(suffix)].strip().strip("'").strip() or "Sheet") + suffix


def status_label(code: str | None) -> str:
    return {targets.MET: _("Met"), targets.NEAR: _("Near"), targets.MISSED: _("Missed")}.get(
        code, ""
    )


def plan(agents, period: Period, today: date, *, progress=None) -> list[Sheet]:
    """The workbook's sheets for these agents and this period (data read up front
    in a bounded number of queries; cells produced sheet by sheet)."""
    rows = sheets.table(agents, period, today)
    ids = [a.id for a in agents]
    criteria = rollup_measures.criterion_averages(ids, period)
    section_means = rollup_measures.section_averages(ids, period)
    catalogue = criterion_catalogue(review_measures.versions_used(ids, period))
    section_titles = section_catalogue()
    periods, trends = sheets.trend(ids, period, today)
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Ho_Chi_Minh"))
    reviews: dict[int, list] = {a: [] for a in ids}
    for review, rubric_title in db.session.execute(
        select(Review, RubricVersion.title)
        .join(RubricVersion, RubricVersion.id == Review.rubric_version_id)
        .where(review_measures.counted_reviews(ids, period))
        .order_by(Review.submitted_at)
    ):
        reviews[review.agent_id].append((review, rubric_title))
    shown = list(measures.MEASURES)
    names = sheet_names([r.agent.name for r in rows], reserved=[_("Summary"), _("Definitions")])

    def summary_rows():
        header = [_("Agent"), _("Email"), _("Team"), _("Period")]
        header += [str(m.label) for m in shown]
        header += [f"{_('Status')}: {measures.BY_CODE[c].label}" for c in targets.TARGETED]
        yield [Cell(h, bold=True) for h in header]
        for row in rows:
            line = [Cell(row.agent.name), Cell(row.agent.email), Cell(row.team), Cell(period.label)]
            line += [Cell(to_excel(m.unit, row.values.get(m.code)), m.unit) for m in shown]
            line += [Cell(status_label(row.statuses.get(c))) for c in targets.TARGETED]
            yield line

    status_start = 5 + len(shown)
    result = [
        Sheet(
            _("Summary"),
            summary_rows,
            widths=[26, 28, 20, 14] + [12] * (len(shown) + len(targets.TARGETED)),
            freeze="B2",
            autofilter=True,
            status_columns=list(range(status_start, status_start + len(targets.TARGETED))),
        )
    ]

    def agent_sheet(row, name):
        chart = Chart(_("Review score and CSAT"), 0, len(periods), [2, 3], "G3")

        def blocks():
            agent = row.agent
            yield [Cell(agent.name, bold=True), Cell(row.team), Cell(period.label)]
            yield []
            yield [Cell(h, bold=True) for h in (_("Measure"), _("Value"), _("Target"), _("Status"))]
            for m in shown:
                goal = row.goals.get(m.code) if m.code in targets.TARGETED else None
                yield [
                    Cell(str(m.label)),
                    Cell(to_excel(m.unit, row.values.get(m.code)), m.unit),
                    Cell(to_excel(m.unit, goal), m.unit),
                    Cell(status_label(row.statuses.get(m.code))),
                ]
            yield []
            yield [Cell(h, bold=True) for h in (_("Section"), _("Average"), _("Reviews"))]
            for key, mean, count in section_means.get(agent.id, []):
                yield [
                    Cell(section_titles.get(key, key)),
                    Cell(to_excel("percent", mean), "percent"),
                    Cell(count, "count"),
                ]
            yield []
            yield [Cell(h, bold=True) for h in (_("Criterion"), _("Average"), _("Scores"))]
            for key, mean, count in criteria.get(agent.id, []):
                yield [
                    Cell(catalogue.get(key, {}).get("title", key)),
                    Cell(to_excel("percent", mean), "percent"),
                    Cell(count, "count"),
                ]
            yield []
            yield [
                Cell(h, bold=True)
                for h in (_("Review date"), _("Rubric"), _("Score"), _("Outcome"), _("Summary"))
            ]
            for review, rubric_title in reviews[agent.id]:
                yield [
                    Cell(review.submitted_at.astimezone(zone).date().isoformat()),
                    Cell(rubric_title),
                    Cell(to_excel("percent", review.score), "percent"),
                    Cell(_("Pass") if review.passed else _("Fail")),
                    Cell(review.summary[:2000]),
                ]
            yield []
            yield [Cell(_("Trend"), bold=True)]
            yield "trend-header"
            for index, each in enumerate(periods):
                yield [Cell(each.label)] + [
                    Cell(
                        to_excel(measures.BY_CODE[c].unit, trends[agent.id][c][index]),
                        measures.BY_CODE[c].unit,
                    )
                    for c in sheets.TREND_MEASURES
                ]

        def produce():
            # The chart points at the trend block, wherever the blocks above end.
            for number, line in enumerate(blocks(), start=1):
                if line == "trend-header":
                    chart.first_row = number
                    line = [
                        Cell(h, bold=True)
                        for h in (
                            _("Period"),
                            *(str(measures.BY_CODE[c].label) for c in sheets.TREND_MEASURES),
                        )
                    ]
                yield line
            if progress:
                progress()

        return Sheet(name, produce, widths=[34, 22, 14, 12, 60], freeze="A4", charts=[chart])

    result += [agent_sheet(row, name) for row, name in zip(rows, names, strict=True)]

    def definition_rows():
        yield [Cell(_("Measure"), bold=True), Cell(_("How it is computed"), bold=True)]
        for m in measures.MEASURES:
            yield [Cell(str(m.label)), Cell(str(m.definition))]
        yield [
            Cell(_("Status")),
            Cell(
                _(
                    "Met: at or better than the target. Near: within 5 points (1 for counts, a tenth for times). Missed: further off."
                )
            ),
        ]
        yield [Cell(_("Times")), Cell(_("Shown as minutes:seconds."))]

    result.append(Sheet(_("Definitions"), definition_rows, widths=[28, 100], freeze="A2"))
    return result


def write_openpyxl(plan_sheets: list[Sheet], target) -> None:
    """Write the sheets with openpyxl's write-only mode (lxml underneath)."""
    book = Workbook(write_only=True)
    bold = Font(bold=True)
    wrap = Alignment(vertical="top")
    for spec in plan_sheets:
        sheet = book.create_sheet(spec.name)
        for index, width in enumerate(spec.widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        if spec.freeze:
            sheet.freeze_panes = spec.freeze
        count, columns = 0, 0
        for line in spec.rows():
            cells = []
            for item in line:
                cell = WriteOnlyCell(sheet, value=item.value)
                if isinstance(item.value, str):
                    cell.data_type = "s"  # text stays text: never a formula
                if item.format != "text":
                    cell.number_format = FORMATS[item.format]
                if item.bold:
                    cell.font = bold
                    cell.alignment = wrap
                cells.append(cell)
            sheet.append(cells)
            count += 1
            columns = max(columns, len(line))
        if spec.autofilter and count:
            sheet.auto_filter.ref = f"A1:{get_column_letter(columns)}{count}"
        for column in spec.status_columns:
            area = f"{get_column_letter(column)}2:{get_column_letter(column)}{max(count, 2)}"
            for code, colour in STATUS_FILLS.items():
                sheet.conditional_formatting.add(
                    area,
                    CellIsRule(
                        operator="equal",
                        formula=[f'"{status_label(code)}"'],
                        fill=PatternFill(start_color=colour, end_color=colour, fill_type="solid"),
                    ),
                )
        for spec_chart in spec.charts:
            chart = LineChart()
            chart.title = spec_chart.title
            chart.height, chart.width = 7, 14
            chart.y_axis.number_format = "0%"
            for column in spec_chart.series_columns:
                data = Reference(
                    sheet,
                    min_col=column,
                    min_row=spec_chart.first_row,
                    max_row=spec_chart.first_row + spec_chart.rows,
                )
                chart.add_data(data, titles_from_data=True)
            chart.set_categories(
                Reference(
                    sheet,
                    min_col=1,
                    min_row=spec_chart.first_row + 1,
                    max_row=spec_chart.first_row + spec_chart.rows,
                )
            )
            sheet.add_chart(chart, spec_chart.anchor)
    book.save(target)


def summary_csv(rows) -> str:
    """The summary as CSV for other tools (formula-looking text neutralised)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "agent",
            "email",
            "team",
            *[m.code for m in measures.MEASURES],
            *[f"status_{c}" for c in targets.TARGETED],
        ]
    )
    for row in rows:
        writer.writerow(
            [
                spreadsheet_safe(row.agent.name),
                spreadsheet_safe(row.agent.email),
                spreadsheet_safe(row.team),
                *[
                    ("" if row.values.get(m.code) is None else round(row.values[m.code], 2))
                    for m in measures.MEASURES
                ],
                *[row.statuses.get(c) or "" for c in targets.TARGETED],
            ]
        )
    return "\ufeff" + out.getvalue()  # the BOM lets Excel read Vietnamese
