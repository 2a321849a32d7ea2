"""Scoped reads of settlement runs and lines."""

from clinics.selectors import get_scope, restrict
from subsidies.models import AdvanceBatch, SettlementLine, SettlementRun


def runs_for(user):
    """County admins see their county's runs; township staff see their township's runs."""
    qs = SettlementRun.objects.select_related("county", "township", "policy", "prepared_by", "approved_by")
    scope = get_scope(user)
    if scope.level == "township":
        return qs.filter(township_id=scope.township_id)
    return restrict(qs, user, county="county")


def lines_for(user):
    return restrict(SettlementLine.objects.select_related("run__county", "run__township", "clinic__township"), user,
                    clinic="clinic")


def advance_batches_for(user):
    """Scheduled-advance batches of the user's county (superusers: all)."""
    return restrict(AdvanceBatch.objects.select_related("county", "policy", "created_by"), user, county="county")
