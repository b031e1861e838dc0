"""Plane geometry for the report's map: rings clipped to a box, areas, centroids, box overlaps.

No HTML or SVG here. The helpers keep their leading underscore: they are private to
``monitor.report``.
"""

from __future__ import annotations

from collections.abc import Sequence

Point = tuple[float, float]  # (x, y): (lon, lat) before projection, pixels after
Ring = Sequence[Point]
Box = tuple[float, float, float, float]  # (x0, y0, x1, y1)


def _clip_ring(ring: Ring, box: Box) -> list[Point]:
    """Sutherland–Hodgman: the ring cut to the box (edges along the box where it was cut)."""
    points = list(ring)
    for axis, bound, keep_above in (
        (0, box[0], True),
        (0, box[2], False),
        (1, box[1], True),
        (1, box[3], False),
    ):
        if not points:
            break

        def inside(p: Point, axis: int = axis, bound: float = bound, up: bool = keep_above) -> bool:
            return p[axis] >= bound if up else p[axis] <= bound

        def cross(a: Point, b: Point, axis: int = axis, bound: float = bound) -> Point:
            t = (bound - a[axis]) / (b[axis] - a[axis])
            other = a[1 - axis] + t * (b[1 - axis] - a[1 - axis])
            return (bound, other) if axis == 0 else (other, bound)

        clipped, previous = [], points[-1]
        for point in points:
            if inside(point):
                if not inside(previous):
                    clipped.append(cross(previous, point))
                clipped.append(point)
            elif inside(previous):
                clipped.append(cross(previous, point))
            previous = point
        points = clipped
    return points


def _area_centroid(points: Sequence[Point]) -> tuple[float, Point | None]:
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(points, [*points[1:], *points[:1]], strict=True):
        step = x0 * y1 - x1 * y0
        area += step
        cx += (x0 + x1) * step
        cy += (y0 + y1) * step
    if abs(area) < 1e-9:
        return 0.0, None
    return abs(area) / 2, (cx / (3 * area), cy / (3 * area))


def _bbox(points: Sequence[Point]) -> Box:
    xs, ys = [p[0] for p in points] or [0.0], [p[1] for p in points] or [0.0]
    return min(xs), min(ys), max(xs), max(ys)


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _overlap_area(a: Box, b: Box) -> float:
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


def _inside(a: Box, frame: Box) -> bool:
    return a[0] >= frame[0] and a[1] >= frame[1] and a[2] <= frame[2] and a[3] <= frame[3]
