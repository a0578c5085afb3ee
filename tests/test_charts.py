"""SVG charts: valid SVG that carries its Chinese labels as text (drawn by the browser's fonts), one
shape per value, escaped text, and Chinese errors."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pandas as pd
import pytest

from hazardlib import charts

SVG = "{http://www.w3.org/2000/svg}"


def parse(chart: charts.Chart) -> ET.Element:
    return ET.fromstring(chart.svg)


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def test_a_bar_chart_draws_one_bar_per_value_with_its_chinese_label(tmp_path):
    frame = pd.DataFrame({"county_name": ["都匀市", "福泉市", "荔波县"], "closure_rate": [70.1, None, 74.8]})
    chart = charts.bar_chart(frame, "county_name", "closure_rate", title="各县（市）整改率", unit="%",
                             reference=(50, "应达到 50%"))  # fmt: skip
    root = parse(chart)
    assert len(root.findall(f"{SVG}rect")) == 1 + 2  # background, and a bar per value present
    assert {"各县（市）整改率", "都匀市", "福泉市", "荔波县", "70.1", "应达到 50%", "%"} <= set(texts(root))
    assert "Noto Sans CJK SC" in root.get("font-family", "")
    saved = chart.save(tmp_path / "c.svg")
    assert saved.read_text(encoding="utf-8") == chart.svg == chart._repr_svg_()


def test_stacked_bars_show_each_part_and_the_total_with_a_legend():
    frame = pd.DataFrame({"name": ["水泥", "化肥"], "general": [3, 1], "major": [1, 0]})
    root = parse(charts.bar_chart(frame, "name", ["general", "major"], names={"general": "一般", "major": "重大"},
                                  stacked=True))  # fmt: skip
    bars = [r for r in root.findall(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert len(bars) == 4
    assert {"一般", "重大", "4", "1"} <= set(texts(root))


def test_text_is_escaped_and_an_unknown_column_is_named_in_chinese():
    frame = pd.DataFrame({"name": ["<甲&乙>"], "n": [1]})
    assert "<甲&乙>" in texts(parse(charts.bar_chart(frame, "name", "n")))
    with pytest.raises(KeyError, match="表中没有“m”列"):
        charts.bar_chart(frame, "name", "m")


def test_a_line_chart_draws_each_series_and_its_dashed_continuation():
    days = [dt.date(2024, 9, 1), dt.date(2024, 9, 8), dt.date(2024, 10, 31)]
    frame = pd.DataFrame(
        {
            "day": days * 2,
            "rate": [10, 20, 60, 5, 8, 30],
            "county": ["贵定县"] * 3 + ["平塘县"] * 3,
            "ahead": [False, False, True] * 2,
        }
    )
    frame = pd.concat([frame, frame[frame["day"] == days[1]].assign(ahead=True)], ignore_index=True)
    chart = charts.line_chart(frame, "day", "rate", by="county", dashed="ahead", dashed_label="预测",
                              reference=(95, "应达到 95%"), marks=[(days[-1], "10月31日完成")])  # fmt: skip
    root = parse(chart)
    lines = root.findall(f"{SVG}polyline")
    assert len(lines) == 4 and sum(1 for p in lines if p.get("stroke-dasharray")) == 2
    assert {"贵定县", "平塘县", "预测", "应达到 95%", "10月31日完成", "9月1日", "10月1日"} <= set(texts(root))


@pytest.mark.parametrize(
    ("top", "ticks"), [(7, [0, 2, 4, 6, 8]), (95, [0, 20, 40, 60, 80, 100]), (0, [0, 1])]
)
def test_ticks_are_round_numbers_reaching_the_top(top, ticks):
    assert charts.nice_ticks(top) == ticks


def test_chinese_text_is_measured_wider_than_latin():
    assert charts.text_width("都匀市") == 3 * charts.FONT_SIZE > charts.text_width("abc")
