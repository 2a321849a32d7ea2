"""Assessment figures are parsed like every other number (core.validation): odd digits, "1e3" and
values too big for their column are refused in Chinese, never a 500 or a value the database cannot hold."""

import pytest
from django.core.exceptions import ValidationError

from tests.subsidies.test_assessments_services import entries, fill, start


@pytest.mark.parametrize(
    "code, values, message",
    [
        ("B1", {"occurrences": "²"}, "发现次数必须是不小于 0 的整数"),
        ("B1", {"occurrences": "１２"}, "发现次数必须是不小于 0 的整数"),
        ("B1", {"occurrences": "99999"}, "发现次数必须是不小于 0 的整数"),
        ("A1", {"achieved": "1e3"}, "完成值必须是数字"),
        ("A1", {"achieved": "123456789"}, "太大"),
        ("A1", {"achieved": "0.123456"}, "最多保留 4 位小数"),
    ],
)
def test_odd_figures_are_refused_in_chinese(org, sheet, code, values, message):
    assessment = start(org, sheet)
    with pytest.raises(ValidationError) as exc:
        fill(org, assessment, **{code: values})
    assert message in str(exc.value)
    assert entries(assessment)[code].occurrences == 0 and entries(assessment)[code].achieved is None
