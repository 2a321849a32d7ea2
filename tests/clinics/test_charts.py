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
