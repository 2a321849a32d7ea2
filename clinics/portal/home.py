"""The portal home (a doctor's clinic and the tiles of every app) and where each role lands after login."""

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clinics.models import ClinicPopulation
from clinics.portal.access import doctor_required
from clinics.selectors import get_scope
from core.dashboard import doctor_tiles
from core.inbox import inbox_for
from core.portal import PORTAL_LINKS


@doctor_required
def home(request):
    clinic = request.clinic
    population = ClinicPopulation.objects.filter(clinic=clinic).order_by("-year").first()
    links = [{"label": label, "url": reverse(name), "icon": icon} for _order, label, name, icon in PORTAL_LINKS]
    today = timezone.localdate()
    tiles = doctor_tiles(user=request.user, clinic=clinic, today=today)
    inbox = inbox_for(user=request.user, today=today)
    return render(
        request,
        "portal/home.html",
        {
            "clinic": clinic,
            "population": population,
            "links": links,
            "tiles": tiles,
            "inbox": inbox,
            "page_title": _("我的卫生室"),
        },
    )


def after_login(request):
    """Send each role to its own home: doctors to the portal, staff to the admin."""
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    scope = get_scope(request.user)
    if scope.is_doctor:
        return redirect("portal:home")
    if request.user.has_perm("wagtailadmin.access_admin"):
        return redirect("wagtailadmin_home")
    return redirect("/")
