"""The summary report's wording: a plain-text template the office can edit, figures by catalog key.

The template is Django template language on plain text, one paragraph per line:

    # 标题                        the title (小标宋 二号, centred)
    ## 一级标题                   numbered 一、二、… automatically (黑体)
    ### 二级标题                  （一）（二）… (楷体)
    #### 三级标题                 1. 2. … (仿宋)
    ##### 四级标题                （1）（2）… (仿宋)
    any other line                a body paragraph (仿宋 三号, first line indented two characters)

    {% fig "study.reading_class" %}          the figure, exactly as `taizhang metrics --json` prints it
    {% fig "problems.rate" as rate %}        the figure into a variable, e.g. for {% if rate %}…{% endif %}
    {% figs "k1" "k2" … %}                   figures with their units, zeros left out: 2100人、3860人次、426家
    {{ reading_classes|cn_list:"topic" }}    “第一期读书班”“第二期读书班”
    {% for m in matters_done %}…{% endfor %} examples drawn from the records

No number is ever typed in the template: a figure is a {% fig %} tag or it is not in the report.

Safety: the template is edited by users, so it runs in its own engine with no template loaders (no
{% include %} / {% extends %} of server files), no {% load %} libraries, no {% debug %}, and a context of
plain data only (strings, numbers, lists, dicts — never model objects, so no method can be reached).
Record text is flattened to one line and cannot start a heading, so a matter titled "# …" stays text.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from django.template import Context, Engine, Library, Node, TemplateSyntaxError, defaultfilters, defaulttags

from taizhang.lib.text import book_title
from taizhang.reports import metrics
from taizhang.reports.gongwen import Block

DEFAULT_TEMPLATE_PATH = Path(__file__).parent / "report_templates" / "summary.txt"

register = Library()

# Plain control flow and formatting only.
_SAFE_TAGS = {
    "if",
    "for",
    "with",
    "comment",
    "cycle",
    "firstof",
    "ifchanged",
    "now",
    "regroup",
    "resetcycle",
    "spaceless",
    "templatetag",
    "widthratio",
    "filter",
}
register.tags.update({name: tag for name, tag in defaulttags.register.tags.items() if name in _SAFE_TAGS})
register.filters.update(defaultfilters.register.filters)

FIGURE_USAGE = '用法：{% fig "指标键" %} 或 {% fig "指标键" as 变量名 %}'


def format_figure(value: Any) -> str:
    """A figure as text: exactly what `taizhang metrics --json` prints for it ("—" when there is none)."""
    if value is None:
        return "—"
    return json.dumps(value, ensure_ascii=False)


class FigureNode(Node):
    def __init__(self, key: str, target: str | None) -> None:
        self.key = key
        self.target = target

    def render(self, context: Context) -> str:
        value = context["_figures"][self.key]
        if self.target:
            context[self.target] = value
            return ""
        context["_used"].add(self.key)  # printed in the text
        return format_figure(value)


@register.tag("fig")
def do_fig(parser: Any, token: Any) -> FigureNode:
    bits = token.split_contents()
    if len(bits) not in (2, 4) or (len(bits) == 4 and bits[2] != "as"):
        raise TemplateSyntaxError(FIGURE_USAGE)
    key = bits[1]
    if len(key) < 2 or key[0] != key[-1] or key[0] not in "\"'":
        raise TemplateSyntaxError(FIGURE_USAGE)
    key = key[1:-1]
    if key not in metrics.CATALOG:
        raise TemplateSyntaxError(f"没有名为“{key}”的指标")
    return FigureNode(key, bits[3] if len(bits) == 4 else None)


class FiguresNode(Node):
    """Several figures with their units, the zero or missing ones left out: 2100人、3860人次、426家."""

    def __init__(self, keys: list[str], target: str | None) -> None:
        self.keys = keys
        self.target = target

    def render(self, context: Context) -> str:
        parts = []
        for key in self.keys:
            value = context["_figures"][key]
            if value:
                unit = metrics.get(key).unit
                parts.append(format_figure(value) + unit)
                context["_used"].add(key)  # printed, now or through the variable
        text = "、".join(parts)
        if self.target:
            context[self.target] = text
            return ""
        return text


FIGURES_USAGE = '用法：{% figs "指标键1" "指标键2" … %} 或 {% figs "指标键1" "指标键2" … as 变量名 %}'


@register.tag("figs")
def do_figs(parser: Any, token: Any) -> FiguresNode:
    bits = token.split_contents()[1:]
    target = None
    if len(bits) >= 2 and bits[-2] == "as":
        target, bits = bits[-1], bits[:-2]
    if not bits:
        raise TemplateSyntaxError(FIGURES_USAGE)
    keys = []
    for bit in bits:
        if len(bit) < 2 or bit[0] != bit[-1] or bit[0] not in "\"'":
            raise TemplateSyntaxError(FIGURES_USAGE)
        key = bit[1:-1]
        if key not in metrics.CATALOG:
            raise TemplateSyntaxError(f"没有名为“{key}”的指标")
        keys.append(key)
    return FiguresNode(keys, target)


@register.filter
def cn_list(items: Any, attr: str = "") -> str:
    """“甲”“乙”“丙” from a list of strings or of dicts (taking `attr`): quoted items in a row take no 顿号
    (GB/T 15834-2011 4.5.3.5), like titles in 书名号."""
    names = []
    for item in items or []:
        value = item.get(attr, "") if attr and isinstance(item, dict) else item
        if value:
            names.append(f"“{value}”")
    return "".join(names)


@register.filter
def book_list(items: Any, attr: str = "") -> str:
    """《甲》《乙》 for titles of books and institutions (brackets already present are kept)."""
    names = []
    for item in items or []:
        value = str(item.get(attr, "") if attr and isinstance(item, dict) else item).strip()
        if value:
            names.append(book_title(value))
    return "".join(names)  # consecutive titles in 书名号 take no 顿号


class _ReportEngine(Engine):
    # Not Django's default builtins (they include {% include %}, {% load %}, {% debug %}, {% url %} …).
    default_builtins: list[str] = []


_engine = _ReportEngine(
    loaders=[], libraries={}, builtins=["taizhang.reports.report_text"], autoescape=False, debug=True
)
_INVALID = "\x00未知变量:%s\x00"
_checking_engine = _ReportEngine(
    loaders=[],
    libraries={},
    builtins=["taizhang.reports.report_text"],
    autoescape=False,
    debug=True,
    string_if_invalid=_INVALID,
)


def default_template_text() -> str:
    return DEFAULT_TEMPLATE_PATH.read_text(encoding="utf-8")


class ReportTextError(ValueError):
    """A template that cannot be used, with a Chinese message naming the line."""


def _line_of(exc: Exception) -> int | None:
    info = getattr(exc, "template_debug", None)
    return info.get("line") if info else None


def _clean(value: Any) -> Any:
    """Plain data only, record text on one line and never starting a heading."""
    if isinstance(value, str):
        flat = re.sub(r"\s*[\r\n]+\s*", " ", value).strip()
        return "＃" + flat[1:] if flat.startswith("#") else flat
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return _clean(str(value))


def render_text(text: str, data: dict, figures: dict, *, check: bool = False) -> tuple[str, set[str]]:
    """The template rendered to plain text, and the catalog keys whose figures it printed. ReportTextError on a bad template."""
    engine = _checking_engine if check else _engine
    try:
        template = engine.from_string(text)
    except TemplateSyntaxError as exc:
        line = _line_of(exc)
        raise ReportTextError(f"{'第' + str(line) + '行：' if line else ''}{exc}") from None
    used: set[str] = set()
    context = Context(_clean(data), autoescape=False)
    context["_figures"] = figures
    context["_used"] = used
    try:
        output = template.render(context)
    except TemplateSyntaxError as exc:  # raised lazily by some tags
        raise ReportTextError(str(exc)) from None
    if check and "\x00" in output:
        unknown = sorted(set(re.findall(r"\x00未知变量:(.*?)\x00", output)))
        raise ReportTextError(f"模板中有无法识别的变量：{'、'.join(unknown)}")
    return output, used


def parse_blocks(text: str) -> list[Block]:
    """Rendered text → paragraphs: '#' lines are the title and headings, other non-empty lines body text."""
    blocks: list[Block] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        match = re.match(r"^(#{1,5})\s*(.*)$", line)
        if match:
            hashes, content = match.groups()
            if not content:
                continue
            if len(hashes) == 1:
                blocks.append(Block("title", content))
            else:
                blocks.append(Block("heading", content, level=len(hashes) - 1))
        else:
            blocks.append(Block("body", line))
    return blocks
