from core.charts import hbar_chart, line_chart


def test_hbar_chart_scales_and_colours_by_threshold():
    svg = hbar_chart([("张庄<村>", 30), ("李家村", 95)], max_value=100, unit="%", thresholds=(60, 90))
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "张庄&lt;村&gt;" in svg  # labels are escaped
    assert 'fill="#b3261e"' in svg and 'fill="#1f7a3a"' in svg
    assert "95%" in svg and "http" not in svg.replace("http://www.w3.org/2000/svg", "")


def test_line_chart_has_one_polyline_per_series():
    svg = line_chart(["1月", "2月", "3月"], [("城关镇", [1, 2, 3]), ("石桥镇", [3, 2, 1])])
    assert svg.count("<polyline") == 2 and "城关镇" in svg and "3月" in svg


def test_empty_charts_render_nothing():
    assert hbar_chart([]) == "" and line_chart([], []) == ""


def test_hbar_chart_leaves_room_for_the_longest_label():
    """Labels are right-aligned at the bars' start: it must be at least as far right as the longest label."""
    import re

    long_label = "0-36个月儿童中医药健康管理"  # 4 Latin + 11 CJK characters ≈ 4 × 7.2 + 11 × 12 = 161 at 12 px
    svg = hbar_chart([(long_label, 70), ("传染病报告", 73)], max_value=100, unit="%")
    start = float(re.search(r'<rect x="([\d.]+)"', svg).group(1))
    assert start - 6 >= 161  # the label ends 6 units before its bar
    short = hbar_chart([("甲", 1)], max_value=100)
    assert float(re.search(r'<rect x="([\d.]+)"', short).group(1)) == 150  # short labels keep the usual layout
