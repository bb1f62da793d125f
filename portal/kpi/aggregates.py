"""SQL aggregates the measures share: a percentage of rows and a rate of yes among yes/no."""

from sqlalchemy import case, func


def percent_of(condition, over):
    """100 × (rows where condition) / (rows where `over` is not null); None with no rows."""
    hits = func.sum(case((condition, 1.0), else_=0.0))
    return 100.0 * hits / func.nullif(func.count(over), 0)


def rate(column):
    """100 × the share of true among the rows where a yes/no column is not null."""
    return 100.0 * func.avg(case((column.is_(None), None), (column, 1.0), else_=0.0))
