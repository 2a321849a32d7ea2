from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def person(user) -> str:
    """A user's name for display: full name, else username, else a dash (system / deleted user)."""
    if user is None:
        return "—"
    return user.get_full_name() or user.get_username() or _("—")
