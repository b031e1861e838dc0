"""The report's map: every tracked base on an equirectangular map, a disc sized by its attacks.

The one read of the package is here: the vendored Natural Earth basemap
(``monitor/data/countries-50m.json``, see its README), package data decoded once per process.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from monitor.report.common import _clip_text, _e, _short_name
from monitor.report.geometry import (
    Box,
    Point,
    Ring,
    _area_centroid,
    _bbox,
    _clip_ring,
    _inside,
    _overlap_area,
    _overlaps,
)

__all__ = ["map_section"]

_MAP_WIDTH = 960


@dataclass(frozen=True, slots=True)
class _Country:
    name: str
    polygons: tuple[tuple[Ring, ...], ...]  # each: outer ring, then holes; (lon, lat) points
    boxes: tuple[Box, ...]  # each polygon's bounding box


@dataclass(frozen=True, slots=True)
class _Projection:
    """Equirectangular, x shrunk by the cosine of the middle latitude, fitted to a width."""

    lon0: float
    lat1: float
    kx: float
    scale: float

    def __call__(self, lon: float, lat: float) -> Point:
        return ((lon - self.lon0) * self.kx * self.scale, (self.lat1 - lat) * self.scale)


def map_section(bases: Sequence[Mapping[str, Any]]) -> str:
    return (
        '<section id="map-section">\n<h2>Tracked bases</h2>\n'
        '<p class="muted">Every tracked base; a disc\'s area is proportional to the attacks '
        "on it, a hollow ring marks a base with none.</p>\n"
        f'<div class="figure">{_map_svg(bases)}</div>\n</section>'
    )


def _map_svg(bases: Sequence[Mapping[str, Any]]) -> str:
    located = [b for b in bases if _location(b) is not None]
    if not located:
        return (
            f'<svg id="map" viewBox="0 0 {_MAP_WIDTH} 60" role="img">'
            '<text x="20" y="35" class="empty">No tracked base has a location.</text></svg>'
        )
    lon0, lat0, lon1, lat1 = _viewport([_location(b) or (0.0, 0.0) for b in located])
    kx = math.cos(math.radians((lat0 + lat1) / 2))
    project = _Projection(lon0, lat1, kx, _MAP_WIDTH / ((lon1 - lon0) * kx))
    height = round((lat1 - lat0) * project.scale)
    view, frame = (lon0, lat0, lon1, lat1), (0.0, 0.0, float(_MAP_WIDTH), float(height))
    markers = _map_markers(located, project)
    scale_svg, scale_box = _scale_bar(project, height)
    sizes = _legend_sizes(markers)
    legend_box = _legend_box(sizes, markers, frame, scale_box)
    countries = _country_labels(view, project, [m.box for m in markers] + [legend_box, scale_box])
    obstacles = [box for _svg, box in countries] + [legend_box, scale_box]
    return "".join(
        [
            f'<svg id="map" viewBox="0 0 {_MAP_WIDTH} {height}" role="img" '
            'aria-label="Map of tracked bases sized by attacks">'
            f'<rect class="sea" width="{_MAP_WIDTH}" height="{height}"/>',
            _basemap(view, project),
            _graticule(view, project, height),
            *(svg for svg, _box in countries),
            *_base_labels(markers, obstacles, frame),
            *(m.svg for m in markers),
            _legend(sizes, legend_box),
            scale_svg,
            "</svg>",
        ]
    )


def _viewport(points: Sequence[Point]) -> Box:
    """(lon0, lat0, lon1, lat1): the box of (lat, lon) points plus a margin, widened to a
    landscape shape."""
    lats, lons = [p[0] for p in points], [p[1] for p in points]
    pad_lat = max(1.0, (max(lats) - min(lats)) * 0.15)
    pad_lon = max(1.0, (max(lons) - min(lons)) * 0.15)
    lat0, lat1 = max(min(lats) - pad_lat, -85.0), min(max(lats) + pad_lat, 85.0)
    lon0, lon1 = min(lons) - pad_lon, max(lons) + pad_lon
    kx = math.cos(math.radians((lat0 + lat1) / 2))
    aspect = (lon1 - lon0) * kx / (lat1 - lat0)
    if aspect < 1.3:  # too tall: widen
        extra = (1.3 * (lat1 - lat0) / kx - (lon1 - lon0)) / 2
        lon0, lon1 = lon0 - extra, lon1 + extra
    elif aspect > 1.9:  # too flat: heighten
        extra = ((lon1 - lon0) * kx / 1.9 - (lat1 - lat0)) / 2
        lat0, lat1 = max(lat0 - extra, -85.0), min(lat1 + extra, 85.0)
    return lon0, lat0, lon1, lat1


def _basemap(view: Box, project: _Projection) -> str:
    """The countries in view, each polygon clipped to a box a little larger than the view."""
    lon0, lat0, lon1, lat1 = view
    margin = (lon1 - lon0) * 0.02
    clip_box = (lon0 - margin, lat0 - margin, lon1 + margin, lat1 + margin)
    paths = []
    for country in _countries():
        d = []
        for polygon, box in zip(country.polygons, country.boxes, strict=True):
            if not _overlaps(box, clip_box):
                continue
            for ring in polygon:
                d.append(_path_data([project(*p) for p in _clip_ring(ring, clip_box)]))
        if any(d):
            paths.append(
                f'<path class="land" d="{"".join(d)}"><title>{_e(country.name)}</title></path>'
            )
    return "".join(paths)


def _country_labels(view: Box, project: _Projection, avoid: Sequence[Box]) -> list[tuple[str, Box]]:
    """Country names at the centre of their largest visible part, where they fit."""
    map_area = (view[2] - view[0]) * (view[3] - view[1])
    placed: list[tuple[str, Box]] = []
    for country in _countries():
        best: tuple[float, Point] | None = None
        for polygon, box in zip(country.polygons, country.boxes, strict=True):
            if not _overlaps(box, view):
                continue
            outer = _clip_ring(polygon[0], view)
            area, centre = _area_centroid(outer)
            if centre and (best is None or area > best[0]):
                best = (area, centre)
        if best is None or best[0] < map_area * 0.04:
            continue
        x, y = project(*best[1])
        text = country.name.upper()
        width = len(text) * 9.0 + (len(text) - 1) * 2.5
        for dy in (0, 24, -24, 48, -48):
            box = (x - width / 2, y + dy - 12, x + width / 2, y + dy + 4)
            if not any(_overlaps(box, other) for other in [*avoid, *(b for _t, b in placed)]):
                placed.append(
                    (f'<text class="country" x="{x:.1f}" y="{y + dy:.1f}">{_e(text)}</text>', box)
                )
                break
    return placed


def _graticule(view: Box, project: _Projection, height: float) -> str:
    lon0, lat0, lon1, lat1 = view
    step = next((s for s in (0.5, 1, 2, 5, 10, 20, 30) if (lon1 - lon0) / s <= 9), 45)
    out = []
    for k in range(math.ceil(lon0 / step), math.floor(lon1 / step) + 1):
        x = project(k * step, lat0)[0]
        out.append(
            f'<line class="graticule" x1="{x:.1f}" x2="{x:.1f}" y1="0" y2="{height}"/>'
            f'<text class="degree" x="{x + 3:.1f}" y="{height - 5}">'
            f"{_degrees(k * step, 'E', 'W')}</text>"
        )
    for k in range(math.ceil(lat0 / step), math.floor(lat1 / step) + 1):
        y = project(lon0, k * step)[1]
        out.append(
            f'<line class="graticule" x1="0" x2="{_MAP_WIDTH}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="degree" x="4" y="{y - 3:.1f}">{_degrees(k * step, "N", "S")}'
            "</text>"
        )
    return "".join(out)


@dataclass(frozen=True, slots=True)
class _Marker:
    svg: str
    x: float
    y: float
    r: float
    label: str
    attacks: int

    @property
    def box(self) -> Box:
        return (self.x - self.r, self.y - self.r, self.x + self.r, self.y + self.r)


def _radius(attacks: int, most: int) -> float:
    """Area proportional to attacks: the most attacked base gets 24 px, none under 4 px."""
    return max(4.0, 24.0 * math.sqrt(attacks / most)) if attacks > 0 else 4.0


def _map_markers(bases: Sequence[Mapping[str, Any]], project: _Projection) -> list[_Marker]:
    most = max([int(b.get("attacks") or 0) for b in bases] + [1])
    markers = []
    for base in sorted(bases, key=lambda b: (-int(b.get("attacks") or 0), str(b.get("name")))):
        lat, lon = _location(base) or (0.0, 0.0)
        x, y = project(lon, lat)
        attacks = int(base.get("attacks") or 0)
        r = _radius(attacks, most)
        name = str(base.get("name") or base.get("id"))
        country = f" ({base['country']})" if base.get("country") else ""
        svg = (
            f'<g class="base{" quiet" if attacks == 0 else ""}" data-base="{_e(base.get("id"))}" '
            f'data-attacks="{attacks}"><title>{_e(name)}{_e(country)}: '
            f"{attacks} attack{'s' * (attacks != 1)}</title>"
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}"/></g>'
        )
        label = f"{_clip_text(_short_name(name), 36)} · {attacks}"
        markers.append(_Marker(svg, x, y, r, label, attacks))
    return markers


def _base_labels(markers: Sequence[_Marker], obstacles: Sequence[Box], frame: Box) -> list[str]:
    """Place each label, most attacked base first, at the first free spot around its marker;
    spots further out get a leader line. Greedy, which is plenty for a few dozen bases."""
    taken = [*obstacles, *(m.box for m in markers)]
    out = []
    for marker in markers:
        width, height = len(marker.label) * 7.0 + 4, 15.0
        best: tuple[float, Box, int, int] | None = None  # overlap, box, side, ring
        for ring, distance in enumerate((3.0, 16.0, 34.0, 56.0)):
            for dx, dy in ((1, 0), (-1, 0), (1, -1), (1, 1), (-1, -1), (-1, 1), (0, -1), (0, 1)):
                cx = marker.x + dx * (marker.r + distance) * (0.75 if dy else 1)
                cy = marker.y + dy * (marker.r + distance * 0.6 + 7)
                x0 = cx if dx > 0 else cx - width if dx < 0 else cx - width / 2
                box = (x0, cy - height / 2, x0 + width, cy + height / 2)
                if not _inside(box, frame):
                    continue
                overlap = sum(_overlap_area(box, o) for o in taken if o != marker.box)
                if best is None or overlap < best[0]:
                    best = (overlap, box, dx, ring)
                if overlap == 0:
                    break
            if best is not None and best[0] == 0:
                break
        if best is None:
            continue
        _overlap, box, side, ring = best
        taken.append(box)
        if ring > 0:
            ex = min(max(marker.x, box[0]), box[2])
            ey = min(max(marker.y, box[1]), box[3])
            out.append(
                f'<line class="leader" x1="{marker.x:.1f}" y1="{marker.y:.1f}" '
                f'x2="{ex:.1f}" y2="{ey:.1f}"/>'
            )
        # anchored on the marker's side, so a misjudged text width spills away from it
        anchor, x = {1: ("start", box[0] + 2), -1: ("end", box[2] - 2)}.get(
            side, ("middle", (box[0] + box[2]) / 2)
        )
        out.append(
            f'<text class="base-label{"" if marker.attacks else " quiet"}" x="{x:.1f}" '
            f'y="{box[3] - 4:.1f}" text-anchor="{anchor}">{_e(marker.label)}</text>'
        )
    return out


def _legend_sizes(markers: Sequence[_Marker]) -> list[tuple[int, float]]:
    """(attacks, radius) of the legend's discs: one attack, the most, and one between."""
    most = max([m.attacks for m in markers] + [1])
    counts = sorted({1, max(1, round(most / 4)), most})
    return [(n, _radius(n, most)) for n in counts]


def _legend_box(
    sizes: Sequence[tuple[int, float]], markers: Sequence[_Marker], frame: Box, avoid: Box
) -> Box:
    """The legend's box, in the corner that hides the fewest markers and their labels."""
    width = 24 + sum(2 * r + 16 for _n, r in sizes) + 56
    height = 58 + 2 * max(r for _n, r in sizes)
    right, bottom, inset = frame[2], frame[3], 10
    corners = [
        (right - inset - width, bottom - inset - height),
        (right - inset - width, inset),
        (inset, inset),
        (inset, avoid[1] - 8 - height),
    ]
    crowd = [
        (m.x - m.r - 8, m.y - m.r - 8, m.x + m.r + 12 + len(m.label) * 7, m.y + m.r + 8)
        for m in markers
    ]
    boxes = [(x, y, x + width, y + height) for x, y in corners]
    return min(boxes, key=lambda box: sum(_overlap_area(box, c) for c in crowd))


def _legend(sizes: Sequence[tuple[int, float]], box: Box) -> str:
    x0, y0, x1, y1 = box
    baseline = y1 - 24
    out = [
        f'<rect class="legend" x="{x0:.1f}" y="{y0:.1f}" width="{x1 - x0:.1f}" '
        f'height="{y1 - y0:.1f}" rx="4"/>'
        f'<text class="legend-title" x="{x0 + 12:.1f}" y="{y0 + 18:.1f}">Attacks per base</text>'
    ]
    x = x0 + 12
    for n, r in sizes:
        out.append(
            f'<circle class="legend-disc" cx="{x + r:.1f}" cy="{baseline - r:.1f}" r="{r:.1f}"/>'
            f'<text class="legend-text" x="{x + r:.1f}" y="{baseline + 15:.1f}">{n}</text>'
        )
        x += 2 * r + 16
    out.append(
        f'<g class="base quiet"><circle cx="{x + 18:.1f}" cy="{baseline - 4:.1f}" r="4"/></g>'
        f'<text class="legend-text" x="{x + 18:.1f}" y="{baseline + 15:.1f}">none</text>'
    )
    return "".join(out)


def _scale_bar(project: _Projection, height: float) -> tuple[str, Box]:
    """A scale bar of a round distance, bottom left, and the box it takes."""
    km_per_px = 111.32 / project.scale
    km = next((k for k in (1000, 500, 200, 100, 50, 20, 10, 5, 2, 1) if k / km_per_px <= 160), 1)
    length, x, y = km / km_per_px, 16.0, height - 24
    box = (x - 8, y - 18, x + length + 8, y + 8)
    return (
        f'<g class="scale"><rect x="{box[0]:.1f}" y="{box[1]:.1f}" width="{box[2] - box[0]:.1f}" '
        f'height="{box[3] - box[1]:.1f}" rx="3"/>'
        f'<path d="M{x},{y - 4}V{y}H{x + length:.1f}V{y - 4}"/>'
        f'<text x="{x + length / 2:.1f}" y="{y - 6}">{km} km</text></g>'
    ), box


@cache
def _countries() -> tuple[_Country, ...]:
    """The vendored Natural Earth countries, decoded from TopoJSON once per process."""
    text = (resources.files("monitor") / "data" / "countries-50m.json").read_text("utf-8")
    return _decode_topology(json.loads(text))


def _decode_topology(topology: Mapping[str, Any]) -> tuple[_Country, ...]:
    """Countries of a quantized TopoJSON topology: delta-decode and transform every arc, then
    join each ring's arcs (a negative index ~i is arc i reversed; joined arcs share an end)."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs: list[list[Point]] = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)

    def ring(indexes: Iterable[int]) -> tuple[Point, ...]:
        points: list[Point] = []
        for i in indexes:
            arc = arcs[i] if i >= 0 else arcs[~i][::-1]
            points.extend(arc[1:] if points else arc)
        return tuple(points)

    countries = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        kind, raw = geometry.get("type"), geometry.get("arcs")
        polygons_raw = [raw] if kind == "Polygon" else raw if kind == "MultiPolygon" else []
        polygons = tuple(tuple(ring(r) for r in polygon) for polygon in polygons_raw)
        boxes = tuple(_bbox(polygon[0]) for polygon in polygons)
        name = str((geometry.get("properties") or {}).get("name", ""))
        countries.append(_Country(name, polygons, boxes))
    return tuple(countries)


def _path_data(points: Sequence[Point]) -> str:
    """SVG path data of a closed ring, skipping points under a pixel from the last one kept."""
    kept: list[Point] = []
    for x, y in points:
        if not kept or abs(x - kept[-1][0]) + abs(y - kept[-1][1]) >= 0.8:
            kept.append((x, y))
    if len(kept) < 3:
        return ""
    return "M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in kept) + "Z"


def _degrees(value: float, positive: str, negative: str) -> str:
    return f"{abs(value):g}°{positive if value >= 0 else negative}"


def _location(base: Mapping[str, Any]) -> Point | None:
    """A base's (lat, lon), or None when it has no usable one."""
    location = base.get("location")
    if not isinstance(location, list | tuple) or len(location) != 2:
        return None
    lat, lon = location
    if not all(isinstance(v, int | float) and math.isfinite(v) for v in (lat, lon)):
        return None
    return float(lat), float(lon)
