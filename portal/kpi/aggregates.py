"""SQL aggregates the measures share: a percentage of rows and a rate of yes among yes/no."""

from sqlalchemy import case, func


def percent_of(condition, over):
    """100 × (rows where condition) / (rows where `over` is not null); None with no rows."""
    hits = func.sum(case((condition, 1.0), else_=0.0))
    return 100.0 * hits / func.nullif(func.count(over), 0)


def rate(column):
    """100 × the share of true among the rows where a yes/no column is not null."""
    return 100.0 * func.avg(case((column.is_(None), None), (column, 1.0), else_=0.0))


REVIEW_FIGURES = ("review_count", "review_score", "pass_rate", "critical_fails")


def tidy_review_figures(found: dict[int, dict]) -> dict[int, dict]:
    """One shape for the review figures, however they were summed (raw rows or
    rollups): every figure present, None when no counted review backs it, and the
    targeted reviews' number, 0 when there are none."""
    for figures in found.values():
        if not figures.get("review_count"):
            figures.update(dict.fromkeys(REVIEW_FIGURES))
        figures.setdefault("targeted_reviews", 0)
    return found
