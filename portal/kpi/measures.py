"""The measures a KPI sheet shows: code, label, unit, which way is better, definition.

The definitions below are also written into the Excel "Definitions" sheet:
- NPS = % promoters (answers 9–10) − % detractors (0–6), over all 0–10 answers;
- CSAT = % of 1–5 answers that are 4 or 5;
- first response (FRT) and handling time (ATHT): median and mean, in seconds;
- complaint / re-contact / return rates: share of records marked yes among
  those that say yes or no;
- review score: mean review % of regular reviews submitted in the period
  (calibration reviews never count, targeted ones only when asked); pass rate:
  share of them passed;
- auto-QA score: mean auto-QA % of the period's calls the automatic QA scored
  (autoqa/auto_score.py), shown apart from the review score, never averaged with it.

The values are computed in `review_measures`, `outcome_measures` and
`training_measures`, and gathered for a sheet by `sheets.sheet_values`.
"""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

HIGHER, LOWER, NEUTRAL = "higher", "lower", "neutral"


@dataclass(frozen=True)
class Measure:
    code: str
    label: object  # lazy string
    unit: str  # "percent", "score", "seconds", "count"
    better: str
    group: str
    definition: object


MEASURES = [
    Measure(
        "review_count",
        _l("Reviews"),
        "count",
        NEUTRAL,
        "quality",
        _l("Regular reviews submitted in the period."),
    ),
    Measure(
        "review_score",
        _l("Review score"),
        "percent",
        HIGHER,
        "quality",
        _l("Mean review score of those reviews."),
    ),
    Measure(
        "pass_rate",
        _l("Pass rate"),
        "percent",
        HIGHER,
        "quality",
        _l("Share of those reviews that passed the rubric's pass mark."),
    ),
    Measure(
        "critical_fails",
        _l("Critical fails"),
        "count",
        LOWER,
        "quality",
        _l("Reviews in which a critical criterion failed."),
    ),
    Measure(
        "targeted_reviews",
        _l("Targeted reviews"),
        "count",
        NEUTRAL,
        "quality",
        _l(
            "Reviews of calls drawn by a signal (lowest auto-QA score, dead air, detractors…). "
            "Left out of the figures above unless the sheet is asked to count them in."
        ),
    ),
    Measure(
        "disputes_raised",
        _l("Disputes raised"),
        "count",
        NEUTRAL,
        "quality",
        _l("Disputes the agent raised in the period."),
    ),
    Measure(
        "disputes_upheld",
        _l("Disputes upheld"),
        "count",
        NEUTRAL,
        "quality",
        _l("Of those, accepted in full or in part."),
    ),
    Measure(
        "auto_qa_calls",
        _l("Calls auto-checked"),
        "count",
        NEUTRAL,
        "autoqa",
        _l("Calls of the period the automatic QA scored: every analysed recording."),
    ),
    Measure(
        "auto_qa_share",
        _l("Share of calls auto-checked"),
        "percent",
        HIGHER,
        "autoqa",
        _l("Of all the period's interactions, the share the automatic QA scored."),
    ),
    Measure(
        "auto_qa_score",
        _l("Auto-QA score"),
        "percent",
        HIGHER,
        "autoqa",
        _l(
            "Mean auto-QA score of those calls: the rubric's automatically checked "
            "criteria only, from their suggested values. Never mixed with the reviewers' scores."
        ),
    ),
    Measure(
        "nps",
        _l("NPS"),
        "score",
        HIGHER,
        "customer",
        _l("Share of 9–10 answers minus share of 0–6 answers, in points from −100 to 100."),
    ),
    Measure(
        "csat",
        _l("CSAT"),
        "percent",
        HIGHER,
        "customer",
        _l("Share of 1–5 satisfaction answers that are 4 or 5."),
    ),
    Measure(
        "frt_median",
        _l("First response, median"),
        "seconds",
        LOWER,
        "customer",
        _l("Median time to the first response."),
    ),
    Measure(
        "frt_mean",
        _l("First response, mean"),
        "seconds",
        LOWER,
        "customer",
        _l("Mean time to the first response."),
    ),
    Measure(
        "atht_median",
        _l("Handling time, median"),
        "seconds",
        LOWER,
        "customer",
        _l("Median handling time of a ticket or call."),
    ),
    Measure(
        "atht_mean",
        _l("Handling time, mean"),
        "seconds",
        LOWER,
        "customer",
        _l("Mean handling time (ATHT)."),
    ),
    Measure(
        "complaint_rate",
        _l("Complaint rate"),
        "percent",
        LOWER,
        "customer",
        _l("Share of contacts that became complaints."),
    ),
    Measure(
        "recontact_rate",
        _l("Re-contact rate"),
        "percent",
        LOWER,
        "customer",
        _l("Share of contacts followed by another within 7 days."),
    ),
    Measure(
        "return_rate",
        _l("Return rate"),
        "percent",
        LOWER,
        "customer",
        _l("Share of contacts that ended in a product return."),
    ),
    Measure(
        "onboarding_done",
        _l("Onboarding done"),
        "percent",
        HIGHER,
        "training",
        _l("Share of assigned onboarding items completed (today)."),
    ),
    Measure(
        "overdue_items",
        _l("Overdue items"),
        "count",
        LOWER,
        "training",
        _l("Onboarding items not done whose module is past its due date (today)."),
    ),
    Measure(
        "quizzes_passed",
        _l("Quizzes passed"),
        "count",
        HIGHER,
        "training",
        _l("Quizzes whose grade reaches their pass mark (to date)."),
    ),
    Measure(
        "quiz_best",
        _l("Best quiz score"),
        "percent",
        HIGHER,
        "training",
        _l("Highest quiz grade to date."),
    ),
    Measure(
        "quiz_latest",
        _l("Latest quiz score"),
        "percent",
        HIGHER,
        "training",
        _l("Grade of the most recently taken quiz."),
    ),
]
BY_CODE = {m.code: m for m in MEASURES}
