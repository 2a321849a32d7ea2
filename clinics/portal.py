"""The village-doctor portal: the shell every app's portal pages use.

``doctor_required`` is the gate of every portal view: a logged-in village doctor whose clinic
is in scope; anyone else gets 403 (anonymous users go to the login page).
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from clinics.models import Clinic, ClinicPopulation
from clinics.selectors import get_scope


def doctor_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        scope = get_scope(request.user)
        if not scope.is_doctor or scope.clinic_id is None:
            raise PermissionDenied
        request.clinic = Clinic.objects.select_related("township__county").get(pk=scope.clinic_id)
        return view(request, *args, **kwargs)

    return wrapper


# Tiles on the portal home. Each app appends (order, label, url name, icon text) in its AppConfig.ready.
PORTAL_LINKS: list[tuple[int, str, str, str]] = []


def register_portal_link(*, order: int, label, url_name: str, icon: str = "•") -> None:
    PORTAL_LINKS.append((order, label, url_name, icon))
    PORTAL_LINKS.sort(key=lambda link: link[0])


@doctor_required
def home(request):
    clinic = request.clinic
    population = ClinicPopulation.objects.filter(clinic=clinic).order_by("-year").first()
    from django.utils import timezone

    from clinics.dashboard import doctor_tiles

    links = [{"label": label, "url": reverse(name), "icon": icon} for _order, label, name, icon in PORTAL_LINKS]
    tiles = doctor_tiles(user=request.user, clinic=clinic, today=timezone.localdate())
    return render(
        request,
        "portal/home.html",
        {"clinic": clinic, "population": population, "links": links, "tiles": tiles, "page_title": _("我的卫生室")},
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
