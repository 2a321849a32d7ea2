"""Password rules in Chinese. Django's own zh-hans catalogue lacks the minimum-length messages (it has them for
the other validators), so that one validator is restated here."""

from django.contrib.auth import password_validation
from django.utils.translation import gettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self):
        return gettext("密码太短，至少要 %(min_length)d 个字符。") % {"min_length": self.min_length}

    def get_help_text(self):
        return gettext("密码至少要 %(min_length)d 个字符。") % {"min_length": self.min_length}
