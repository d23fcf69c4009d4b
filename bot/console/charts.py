"""The console's charts as PNG images a person can paste into a report (matplotlib, Agg).

Why this exists: staff copy these figures into reports for Confecámaras and the regions, so they
are plain images with Spanish titles and labels, not a JavaScript widget. Each function takes the
rows the analytics queries return and gives PNG bytes.
"""

from __future__ import annotations

import hashlib
import io
import textwrap
import threading
from collections import OrderedDict
from collections.abc import Callable

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

__all__ = ["volume_png", "practices_png", "radar_png", "empty_png", "ImageCache"]

_COLORS = {"respuestas": "#1f6f8b", "rechazos": "#d1495b", "conversacion": "#edae49"}
_LABELS = {"respuestas": "Respuestas", "rechazos": "Rechazos", "conversacion": "Conversación"}


class ImageCache:
    """The last ``size`` images by (chart, digest of its rows): a page reloaded, or its image opened
    to paste in a report, does not draw again while the numbers are the same."""

    def __init__(self, size: int = 64) -> None:
        self._images: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._size, self._lock = size, threading.Lock()

    def get(self, key: tuple[str, str], draw: Callable[[], bytes]) -> bytes:
        digest = (key[0], hashlib.sha256(key[1].encode()).hexdigest())
        with self._lock:
            if digest in self._images:
                self._images.move_to_end(digest)
                return self._images[digest]
        image = draw()
        with self._lock:
            self._images[digest] = image
            while len(self._images) > self._size:
                self._images.popitem(last=False)
        return image


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()


def empty_png(title: str) -> bytes:
    figure, axes = plt.subplots(figsize=(7, 2.2))
    axes.axis("off")
    axes.text(0.5, 0.5, f"{title}\n(sin datos en el periodo elegido)", ha="center", va="center", fontsize=11)
    return _png(figure)


def volume_png(per_day: list[dict]) -> bytes:
    """Questions per day, stacked by kind (answers, refusals, small talk)."""
    if not per_day:
        return empty_png("Preguntas por día")
    days = [row["dia"][5:] for row in per_day]  # MM-DD
    figure, axes = plt.subplots(figsize=(9, 3.4))
    bottom = np.zeros(len(days))
    edges = np.arange(len(days) + 1) - 0.5  # day i spans [i - 0.5, i + 0.5]: its label sits in the middle
    for key in ("respuestas", "rechazos", "conversacion"):
        values = np.array([int(row[key] or 0) for row in per_day], dtype=float)
        # One filled step outline per kind, not one bar per day: half the drawing time for 90 days.
        axes.stairs(bottom + values, edges, baseline=bottom.copy(), fill=True, color=_COLORS[key], label=_LABELS[key])
        bottom += values
    axes.set_title("Preguntas por día", pad=22)
    axes.set_ylabel("Preguntas")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts: no "0.25 preguntas" ticks
    axes.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=3, fontsize=8, frameon=False)  # above the bars
    step = max(1, len(days) // 15)
    axes.set_xticks(range(0, len(days), step), [days[i] for i in range(0, len(days), step)], rotation=45, fontsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    return _png(figure)


def practices_png(practices: list[dict], names: dict[int, str]) -> bytes:
    """Average value (0 no ejecutado … 2 completo) per practice, horizontal bars."""
    if not practices:
        return empty_png("Promedio por práctica")
    labels = [
        textwrap.shorten(f"{row['practica']}. {names.get(row['practica'], '')}", 60, placeholder="…")
        for row in practices
    ]
    values = [float(row["promedio"]) for row in practices]
    figure, axes = plt.subplots(figsize=(9, 0.38 * len(labels) + 1.2))
    axes.barh(labels[::-1], values[::-1], color="#1f6f8b")
    axes.set_xlim(0, 2)
    axes.set_xticks([0, 1, 2], ["0 · No ejecutada", "1 · Parcial", "2 · Completa"])
    axes.set_title("Promedio por práctica")
    axes.tick_params(axis="y", labelsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    return _png(figure)


def radar_png(areas: list[dict], names: dict[str, str]) -> bytes:
    """The average of each area as a percentage, on a radar."""
    if len(areas) < 3:
        return empty_png("Promedio por área")
    labels = [textwrap.fill(names.get(row["area"], row["area"]), 18) for row in areas]
    values = [100 * float(row["promedio"]) / 2 for row in areas]
    angles = np.linspace(0, 2 * np.pi, len(values), endpoint=False).tolist()
    figure = plt.figure(figsize=(5.6, 5.6))
    axes = figure.add_subplot(polar=True)
    axes.plot(angles + angles[:1], values + values[:1], color="#1f6f8b", linewidth=2)
    axes.fill(angles + angles[:1], values + values[:1], color="#1f6f8b", alpha=0.25)
    axes.set_xticks(angles, labels, fontsize=8)
    axes.set_ylim(0, 100)
    axes.set_yticks([25, 50, 75, 100], ["25 %", "50 %", "75 %", "100 %"], fontsize=7)
    axes.set_title("Promedio por área (%)", pad=18)
    return _png(figure)
