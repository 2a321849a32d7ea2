"""The check that pages show no English or raw values (tests.chinese) tells a value shown as it is from a word.

The permission matrix once failed one run in twenty on the password-reset page: the temporary password is ten
characters from A–Z and 2–9, and about one in twenty has no digit, which the check read as an English word."""

from tests.chinese import raw_or_english_in


def test_a_value_in_code_is_not_english_but_a_word_elsewhere_is():
    assert raw_or_english_in("<dl><dt>临时密码</dt><dd><code>WTPSVNCDZU</code></dd></dl>") == []
    assert raw_or_english_in("<p>WTPSVNCDZU</p>") == ["WTPSVNCDZU"]
    assert raw_or_english_in("<p><kbd>Submit</kbd> 之后</p><p>Submit</p>") == ["Submit"]


def test_a_raw_python_value_is_a_fault_even_in_code():
    assert raw_or_english_in("<code>None</code>") == ["None"]
