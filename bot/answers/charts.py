"""Charts as PNG images, and the same numbers as a one-line text sparkline.

matplotlib draws with its Agg backend through `Figure` objects (never pyplot's global figures, which
would pile up in a long-running bot), in DejaVu Sans, the font matplotlib ships, which covers Latin,
Greek and Cyrillic names. It is imported on the first chart, so a bot that never draws does not pay
for it. Drawing is serialised (matplotlib is not thread-safe), and each chart is kept in a small
cache keyed by the question and the store's version, so the same chart is not drawn twice.
"""
from __future__ import annotations

import io
import threading
from collections import OrderedDict
from collections.abc import Callable

from bot.i18n import ENGLISH, Translator
from bot.store.trends import DailySeries, Voice

CACHE_CHARTS = 32  # PNGs of 30-60 KB each
FONT = "DejaVu Sans"
WIDTH, HEIGHT, DPI = 8.0, 4.5, 100  # 800 × 450 pixels: sharp on a phone, small to send
COLOURS = ["#1f77b4", "#d62728", "#2ca02c"]
BLOCKS = "▁▂▃▄▅▆▇█"
TITLE_CHARS, LEGEND_CHARS = 72, 26  # what fits the width at the font size used
VOICE_LABEL_CHARS = 42  # "Name, role" beside a bar

_drawing = threading.Lock()


def sparkline(counts: list[int]) -> str:
    """`counts` as block characters, the highest as █ and zero as a space-like ▁."""
    top = max(counts, default=0)
    if top == 0:
        return BLOCKS[0] * len(counts)
    return "".join(BLOCKS[0] if n == 0 else BLOCKS[max(1, round(n / top * (len(BLOCKS) - 1)))] for n in counts)


class ChartCache:
    """The newest charts drawn, by key; the oldest is dropped beyond `size`."""

    def __init__(self, size: int = CACHE_CHARTS):
        self.size = size
        self._charts: OrderedDict[tuple, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_draw(self, key: tuple, draw: Callable[[], bytes]) -> bytes:
        with self._lock:
            if key in self._charts:
                self._charts.move_to_end(key)
                return self._charts[key]
        png = draw()
        with self._lock:
            self._charts[key] = png
            while len(self._charts) > self.size:
                self._charts.popitem(last=False)
        return png


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


DETAILED_DAYS = 90  # windows up to this many days get a bar and a point per day; longer ones, a filled step


def trend_chart(series: list[DailySeries], title: str, t: Translator = ENGLISH) -> bytes:
    """A PNG of daily counts: bars and the quotations' line for one series, one line each for several."""
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, num2date
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    with _drawing, rc_context({"font.family": FONT, "font.size": 10, "axes.spines.top": False,
                               "axes.spines.right": False}):
        figure = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI)
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        days = series[0].days
        marker = "o" if len(days) <= DETAILED_DAYS else None
        if len(series) == 1:
            one = series[0]
            noun, extra_noun = ((t.p_("chart legend", "mentions"), t.p_("chart legend", "quotations"))
                                if one.kind == "person" else
                                (t.p_("chart legend", "paragraphs"), t.p_("chart legend", "documents")))
            if len(days) <= DETAILED_DAYS:
                axes.bar(days, one.counts, color=COLOURS[0], alpha=0.75, label=noun, width=0.8)
            else:  # one filled step instead of hundreds of bars too thin to tell apart (and slow to draw)
                axes.fill_between(days, one.counts, step="mid", color=COLOURS[0], alpha=0.75, linewidth=0, label=noun)
            axes.plot(days, one.extra, color=COLOURS[1], marker=marker, markersize=3, linewidth=1.5, label=extra_noun)
        else:
            for colour, one in zip(COLOURS, series):
                label = one.label if one.kind == "person" else t.p_("quotation marks", "“{text}”", text=one.label)
                axes.plot(days, one.counts, color=colour, marker=marker, markersize=3, linewidth=1.8,
                          label=_short(label, LEGEND_CHARS))
            kinds = {one.kind for one in series}
            if kinds == {"person", "topic"}:
                axes.set_ylabel(t.p_("chart axis", "mentions · paragraphs a day"))
            else:
                axes.set_ylabel(t.p_("chart axis", "mentions a day") if "person" in kinds
                                else t.p_("chart axis", "paragraphs a day"))
        locator = AutoDateLocator(maxticks=8)
        axes.xaxis.set_major_locator(locator)
        if t.is_source:
            axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))
        else:  # the locale's own month names (matplotlib's are English)
            axes.xaxis.set_major_formatter(FuncFormatter(lambda x, _: t.date(num2date(x).date(), "day_month")))
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_ylim(bottom=0)
        axes.grid(axis="y", alpha=0.3)
        axes.set_title(_short(title, TITLE_CHARS), loc="left")
        # Below the axis, so that no bar or line hides under it.
        axes.legend(loc="upper left", bbox_to_anchor=(0, -0.12), ncol=3, frameon=False, fontsize=9)
        figure.subplots_adjust(left=0.08, right=0.98, top=0.9, bottom=0.2)
        out = io.BytesIO()
        figure.savefig(out, format="png", metadata={"Software": None})
        return out.getvalue()


def voices_chart(voices: list[Voice], title: str, t: Translator = ENGLISH) -> bytes:
    """A PNG of the week's most quoted people: one horizontal bar each, the most quoted on top, the
    name and role beside it."""
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    with _drawing, rc_context({"font.family": FONT, "font.size": 10, "axes.spines.top": False,
                               "axes.spines.right": False}):
        figure = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI)
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        ordered = list(reversed(voices))  # barh draws from the bottom up
        labels = [_short(v.name + (f", {v.role}" if v.role else ""), VOICE_LABEL_CHARS) for v in ordered]
        axes.barh(range(len(ordered)), [v.quotes for v in ordered], color=COLOURS[0], alpha=0.8, height=0.7)
        axes.set_yticks(range(len(ordered)), labels, fontsize=9)
        for row, voice in enumerate(ordered):
            axes.annotate(t.number(voice.quotes), (voice.quotes, row), xytext=(3, 0), textcoords="offset points",
                          va="center", fontsize=9)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_xlabel(t.p_("chart axis", "quotations this week"))
        axes.grid(axis="x", alpha=0.3)
        axes.set_title(_short(title, TITLE_CHARS), loc="left")
        figure.subplots_adjust(left=0.36, right=0.96, top=0.9, bottom=0.13)
        out = io.BytesIO()
        figure.savefig(out, format="png", metadata={"Software": None})
        return out.getvalue()
