"""A handwritten signature as data: strokes of (x, y) points -> a compact SVG path.

Kept with the case (告知承诺制) as text: it is small, renders anywhere, and needs no image codec.
"""

from __future__ import annotations


def signature_svg(strokes: list[list[tuple[float, float]]], width: int = 900, height: int = 260) -> str:
    parts = []
    for stroke in strokes:
        if len(stroke) < 2:
            continue
        (x0, y0), rest = stroke[0], stroke[1:]
        parts.append(f"M{x0:g} {y0:g}" + "".join(f"L{x:g} {y:g}" for x, y in rest))
    path = " ".join(parts)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}">'
        f'<path d="{path}" fill="none" stroke="black" stroke-width="3"/></svg>'
    )
