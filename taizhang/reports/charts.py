"""Chart pages for the summary report (optional): drawn with matplotlib in a CJK font when both are
installed; without either, the report simply has no chart page (never boxes instead of characters)."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from io import BytesIO
from typing import Any

from taizhang.reports import metrics

# Fonts tried in order: a free Song/Hei face is enough for chart labels.
CJK_FONT_NAMES = (
    "Noto Sans CJK SC",
    "Noto Serif CJK SC",
    "FandolHei",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
)


@lru_cache(maxsize=1)
def _cjk_font() -> Any:
    """The matplotlib FontProperties of an installed CJK font, or None (no matplotlib or no such font)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib import font_manager
    except ImportError:
        return None
    for name in CJK_FONT_NAMES:
        try:
            path = font_manager.findfont(font_manager.FontProperties(family=name), fallback_to_default=False)
        except ValueError:
            continue
        return font_manager.FontProperties(fname=path)
    return None


def available() -> bool:
    return _cjk_font() is not None


def _png(figure: Any) -> bytes:
    buffer = BytesIO()
    figure.savefig(buffer, format="png", dpi=150, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(figure)
    return buffer.getvalue()


def _bar(
    labels: list[str], values: list[float], title: str, *, horizontal: bool = False, unit: str = ""
) -> bytes:
    import matplotlib.pyplot as plt

    font = _cjk_font()
    height = max(2.6, 0.38 * len(labels) + 1.0) if horizontal else 3.2
    figure, axes = plt.subplots(figsize=(6.2, height))
    color = "#b5121b"
    if horizontal:
        bars = axes.barh(range(len(labels)), values, color=color)
        axes.set_yticks(range(len(labels)))
        axes.set_yticklabels(labels, fontproperties=font)
        axes.invert_yaxis()
    else:
        bars = axes.bar(range(len(labels)), values, color=color)
        axes.set_xticks(range(len(labels)))
        axes.set_xticklabels(labels, fontproperties=font)
    for bar, value in zip(bars, values, strict=True):
        text = f"{value:g}{unit}"
        if horizontal:
            axes.text(
                bar.get_width(), bar.get_y() + bar.get_height() / 2, " " + text, va="center", fontsize=8
            )
        else:
            axes.text(
                bar.get_x() + bar.get_width() / 2,
                bar.get_height(),
                text,
                ha="center",
                va="bottom",
                fontsize=8,
            )
    axes.set_ylabel(title, fontproperties=font) if not horizontal else axes.set_xlabel(
        title, fontproperties=font
    )
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    return _png(figure)


def report_charts(campaign: Any, org: Any, as_of: date) -> list[tuple[str, bytes]]:
    """[(caption, png)]: study by month, attendance rate by unit, problems by category. [] without a CJK font."""
    if not available():
        return []
    pages = []
    months = metrics.breakdown("study.activities", campaign, org, by="month", as_of=as_of)
    if months:
        pages.append(
            (
                "图1 集中学习活动次数（按月）",
                _bar(
                    [metrics.group_label("study.activities", "month", g) for g, _ in months],
                    [v for _, v in months],
                    "集中学习活动次数",
                ),
            )
        )
    rates = [
        (g, v)
        for g, v in metrics.breakdown("study.attendance_rate", campaign, org, by="unit", as_of=as_of)
        if v is not None
    ]
    if rates:
        pages.append(
            (
                f"图{len(pages) + 1} 各单位党员出勤率（%）",
                _bar(
                    [g.display_name for g, _ in rates],
                    [v for _, v in rates],
                    "党员出勤率（%）",
                    horizontal=True,
                ),
            )
        )
    categories = [
        (g, v) for g, v in metrics.breakdown("problems.total", campaign, org, by="type", as_of=as_of) if v
    ]
    if categories:
        pages.append(
            (
                f"图{len(pages) + 1} 查摆问题按类别分布（个）",
                _bar(
                    [metrics.group_label("problems.total", "type", g) for g, _ in categories],
                    [v for _, v in categories],
                    "查摆问题数（按类别）",
                ),
            )
        )
    return pages
