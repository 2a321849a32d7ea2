"""The one scoped selector layer: which counties, townships and clinics a user may see.

Every list, detail page, export, download and API narrows its queryset here. A user without a
scope sees nothing; a superuser sees everything. Out-of-scope objects are reported as 404 (via
``get_scoped_or_404``) so that guessing ids reveals nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404

from clinics.models import AuditEntry, City, Clinic, ClinicPopulation, County, ImportJob, Province, Township, UserScope
from clinics.roles import REGIONAL_ROLES, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

# Who asks: a request's user, or None for the command line (trusted where a service allows it).
AnyUser: TypeAlias = "User | AnonymousUser | None"
# Clinic ids for an ``__in`` lookup: a queryset of ids (a subquery) or any iterable of ids.
ClinicIds: TypeAlias = "QuerySet[Any, Any] | Iterable[int]"


@dataclass(frozen=True)
class Scope:
    role: str | None
    county_id: int | None = None
    township_id: int | None = None
    clinic_id: int | None = None
    city_id: int | None = None
    province_id: int | None = None
    is_superuser: bool = False

    @property
    def sees_everything(self) -> bool:
        return self.is_superuser

    @property
    def level(self) -> str | None:
        """The narrowest level the user is tied to: 'clinic', 'township', 'county', 'city', 'province' or None."""
        if self.is_superuser:
            return "all"
        if self.clinic_id:
            return "clinic"
        if self.township_id:
            return "township"
        if self.county_id:
            return "county"
        if self.city_id:
            return "city"
        if self.province_id:
            return "province"
        return None

    @property
    def is_regional(self) -> bool:
        """A city or province official: reads the comparison of their counties, changes nothing."""
        return self.role in REGIONAL_ROLES

    @property
    def is_doctor(self) -> bool:
        return self.role == Role.VILLAGE_DOCTOR

    @property
    def is_township_staff(self) -> bool:
        return self.role == Role.TOWNSHIP_STAFF

    @property
    def is_county_admin(self) -> bool:
        return self.role == Role.COUNTY_ADMIN or self.is_superuser


NO_SCOPE = Scope(role=None)


def get_scope(user: AnyUser) -> Scope:
    """The user's scope, cached on the user object for the request."""
    if user is None or not user.is_authenticated:
        return NO_SCOPE
    cached = getattr(user, "_scope_cache", None)
    if cached is not None:
        return cached
    if user.is_superuser:
        scope = Scope(role=Role.COUNTY_ADMIN, is_superuser=True)
    else:
        row = UserScope.objects.filter(user_id=user.pk).select_related("clinic__township", "township", "city").first()
        if row is None:
            scope = NO_SCOPE
        elif row.role == Role.VILLAGE_DOCTOR:
            assert row.clinic is not None  # a constraint ties every doctor's scope to a clinic
            scope = Scope(
                role=row.role,
                clinic_id=row.clinic_id,
                township_id=row.clinic.township_id,
                county_id=row.clinic.township.county_id,
            )
        elif row.role == Role.TOWNSHIP_STAFF:
            assert row.township is not None  # a constraint ties township staff to a township
            scope = Scope(role=row.role, township_id=row.township_id, county_id=row.township.county_id)
        elif row.role == Role.CITY_OFFICIAL:
            assert row.city is not None  # a constraint ties a city official to a city
            scope = Scope(role=row.role, city_id=row.city_id, province_id=row.city.province_id)
        elif row.role == Role.PROVINCE_OFFICIAL:
            scope = Scope(role=row.role, province_id=row.province_id)
        else:
            scope = Scope(role=row.role, county_id=row.county_id)
    user._scope_cache = scope  # type: ignore[attr-defined]  # a per-request cache on the user object
    return scope


def scope_q(
    user: AnyUser, *, clinic: str | None = None, township: str | None = None, county: str | None = None
) -> Q | None:
    """A Q object restricting rows to the user's scope, given the lookup path from the row to its
    clinic, township or county. Returns None when the user may see every row, and a Q that matches
    nothing when the user may see none.

    Give the narrowest path the model has: ``clinic="clinic"`` for per-clinic rows,
    ``township="township"`` for per-township rows, ``county="county"`` for county-wide rows.
    A doctor sees per-clinic rows of their own clinic only, and township or county rows of the
    township or county their clinic belongs to.
    """
    scope = get_scope(user)
    if scope.sees_everything:
        return None
    nothing = Q(pk__in=[])
    if scope.level is None:
        return nothing
    if scope.level in ("city", "province"):
        county_path = _regional_county_path(clinic=clinic, township=township, county=county)
        if scope.level == "city":
            return Q(**{_lookup(county_path, "city_id"): scope.city_id})
        return Q(**{_lookup(county_path, "city__province_id"): scope.province_id})
    if clinic is not None:
        if scope.level == "clinic":
            return Q(**{_lookup(clinic, "id"): scope.clinic_id})
        if scope.level == "township":
            return Q(**{_lookup(clinic, "township_id"): scope.township_id})
        return Q(**{_lookup(clinic, "township__county_id"): scope.county_id})
    if township is not None:
        if scope.level in ("clinic", "township"):
            return Q(**{_lookup(township, "id"): scope.township_id})
        return Q(**{_lookup(township, "county_id"): scope.county_id})
    if county is not None:
        return Q(**{_lookup(county, "id"): scope.county_id})
    raise ValueError("scope_q needs a path to the row's clinic, township or county")


def _regional_county_path(*, clinic: str | None, township: str | None, county: str | None) -> str:
    """The path from a row to its county, for the levels above the county."""
    if clinic is not None:
        return _lookup(clinic, "township__county")
    if township is not None:
        return _lookup(township, "county")
    if county is not None:
        return county
    raise ValueError("scope_q needs a path to the row's clinic, township or county")


def _lookup(path: str, rest: str) -> str:
    # An empty path means the row itself is the clinic / township / county.
    return f"{path}__{rest}" if path else rest


def restrict(queryset: QuerySet[Any, Any], user: AnyUser, **paths: str) -> QuerySet[Any, Any]:
    """Narrow any queryset to the user's scope (see ``scope_q`` for the paths)."""
    q = scope_q(user, **paths)
    return queryset if q is None else queryset.filter(q)


def get_scoped_or_404(queryset: QuerySet[Any, Any], user: AnyUser, *, pk: object, **paths: str) -> Any:
    """The object with this pk if the user may see it; otherwise 404, whether it exists or not."""
    try:
        return restrict(queryset, user, **paths).get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def counties_for(user: AnyUser) -> QuerySet[County]:
    """The counties a user may see: their own; a city official the city's, a province official the province's."""
    return restrict(County.objects.all(), user, county="")


def townships_for(user: AnyUser) -> QuerySet[Township]:
    """Townships the user may see; a doctor sees their clinic's township."""
    return restrict(Township.objects.select_related("county"), user, township="")


def clinics_for(user: AnyUser) -> QuerySet[Clinic]:
    return restrict(Clinic.objects.select_related("township", "township__county"), user, clinic="")


def active_clinic_counts(user: AnyUser, *, township_ids: Iterable[int]) -> dict[int, int]:
    """Township id → clinics in operation there, within the user's scope (one query)."""

    rows = (
        clinics_for(user)
        .filter(township_id__in=list(township_ids), status=Clinic.Status.ACTIVE)
        .values("township_id")
        .annotate(n=Count("id"))
        .values_list("township_id", "n")
    )
    return dict(rows)


def clinic_counts_by_county(user: AnyUser, *, county_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    """County id → (clinics in operation, townships with one), within the user's scope (one query)."""
    rows = (
        clinics_for(user)
        .filter(township__county_id__in=list(county_ids), status=Clinic.Status.ACTIVE)
        .order_by()
        .values("township__county_id")
        .annotate(n=Count("id"), townships=Count("township_id", distinct=True))
        .values_list("township__county_id", "n", "townships")
    )
    return {county: (n, townships) for county, n, townships in rows}


def resident_population_by_county(user: AnyUser, *, county_ids: Iterable[int], year: int) -> dict[int, int]:
    """County id → the resident population (常住人口) its clinics serve in that year, within the user's scope."""
    rows = (
        restrict(ClinicPopulation.objects.all(), user, clinic="clinic")
        .filter(clinic__township__county_id__in=list(county_ids), year=year)
        .order_by()
        .values("clinic__township__county_id")
        .annotate(n=Sum("resident"))
        .values_list("clinic__township__county_id", "n")
    )
    return {county: n or 0 for county, n in rows}


def county_for_dashboard(user: AnyUser, code: str | None) -> County | None:
    """The county whose dashboard a user opens: a county admin's own county (another county's code is
    404); a superuser picks one by code, or gets the first. Township staff and others get None."""
    scope = get_scope(user)
    if not scope.is_county_admin:
        return None
    counties = counties_for(user).order_by("code")
    if code:
        county = counties.filter(code=code).first()
        if county is None:
            raise Http404
        return county
    return counties.first()


def may_compare_counties(user: AnyUser) -> bool:
    """City and province officials, and superusers, open the comparison of counties (各县工作对比)."""
    scope = get_scope(user)
    return scope.sees_everything or scope.is_regional


def cities_for(user: AnyUser) -> QuerySet[City]:
    """The cities whose counties a user may compare: a city official their own, a province official the
    province's, a superuser all."""
    scope = get_scope(user)
    cities = City.objects.select_related("province")
    if scope.sees_everything:
        return cities
    if scope.level == "city" and scope.city_id is not None:
        return cities.filter(pk=scope.city_id)
    if scope.level == "province" and scope.province_id is not None:
        return cities.filter(province_id=scope.province_id)
    return cities.none()


def provinces_for(user: AnyUser) -> QuerySet[Province]:
    """The provinces a user may see: a city or province official their own, a superuser all."""
    scope = get_scope(user)
    if scope.sees_everything:
        return Province.objects.all()
    if scope.province_id is None:
        return Province.objects.none()
    return Province.objects.filter(pk=scope.province_id)


def region_of(user: AnyUser) -> str:
    """The name of what a regional user oversees (a city, a province), for page titles."""
    scope = get_scope(user)
    if scope.level == "city" and scope.city_id is not None:
        return str(City.objects.filter(pk=scope.city_id).values_list("name", flat=True).first() or "")
    if scope.level == "province" and scope.province_id is not None:
        return str(Province.objects.filter(pk=scope.province_id).values_list("name", flat=True).first() or "")
    return ""


def can_administer_county(user: AnyUser, county_id: int) -> bool:
    """County admins of that county (and superusers): approvals, announcements, payments, advances."""
    scope = get_scope(user)
    return scope.sees_everything or (scope.is_county_admin and scope.county_id == county_id)


def can_manage_township(user: AnyUser, township: Township) -> bool:
    """Township staff of that township, or county admins of its county."""
    scope = get_scope(user)
    if scope.sees_everything:
        return True
    if scope.role == Role.TOWNSHIP_STAFF:
        return scope.township_id == township.pk
    if scope.role == Role.COUNTY_ADMIN:
        return scope.county_id == township.county_id
    return False


def can_manage_clinic(user: AnyUser, clinic: Clinic) -> bool:
    """Staff who may change a clinic's records: its township's staff or its county's admins."""
    scope = get_scope(user)
    if scope.sees_everything:
        return True
    if scope.role == Role.TOWNSHIP_STAFF:
        return scope.township_id == clinic.township_id
    if scope.role == Role.COUNTY_ADMIN:
        return scope.county_id == clinic.township.county_id
    return False


def user_scopes_for(user: AnyUser, queryset: QuerySet[UserScope] | None = None) -> QuerySet[UserScope]:
    """Role assignments a county admin may manage: everyone serving in their county."""
    queryset = UserScope.objects.all() if queryset is None else queryset
    scope = get_scope(user)
    if scope.sees_everything:
        return queryset
    if scope.role != Role.COUNTY_ADMIN:
        return queryset.none()
    county = scope.county_id
    return queryset.filter(Q(county_id=county) | Q(township__county_id=county) | Q(clinic__township__county_id=county))


def assignable_users_for(user: AnyUser) -> QuerySet[User]:
    """Logins a county admin may give a role to: those already in their county and those with none."""

    users = get_user_model().objects.filter(is_superuser=False)
    scope = get_scope(user)
    if scope.sees_everything:
        return get_user_model().objects.all()
    if scope.role != Role.COUNTY_ADMIN:
        return users.none()
    return users.filter(Q(scope__isnull=True) | Q(scope__in=user_scopes_for(user))).order_by("username")


def login_usernames_for(user: AnyUser) -> QuerySet[Any, str]:
    """User names whose log-in records a county admin reads and unlocks: everyone serving in their county
    (superusers: everyone). Django-axes keeps user names, not user ids, in its records."""

    users = get_user_model().objects.all()
    scope = get_scope(user)
    if not scope.sees_everything:
        users = users.filter(scope__in=user_scopes_for(user)) if scope.role == Role.COUNTY_ADMIN else users.none()
    return users.values_list("username", flat=True)


def id_filter(clinic_ids: ClinicIds) -> QuerySet[Any, Any] | list[int]:
    """Clinic ids for an ``__in`` lookup: a queryset stays a subquery (fast for a whole province),
    anything else becomes a list."""
    return clinic_ids if isinstance(clinic_ids, QuerySet) else list(clinic_ids)


def import_jobs_for(user: AnyUser) -> QuerySet[ImportJob]:
    """Background imports (and their uploaded files) within the uploader's scope: one's own jobs;
    township staff also their township's; county admins their county's (uploaded by township staff or
    county staff there); a superuser every job."""
    jobs = ImportJob.objects.select_related("created_by")
    scope = get_scope(user)
    if scope.sees_everything:
        return jobs
    if user is None or not user.is_authenticated:
        return jobs.none()
    own = Q(created_by_id=user.pk)
    if scope.role == Role.TOWNSHIP_STAFF:
        return jobs.filter(own | Q(created_by__scope__township_id=scope.township_id))
    if scope.role == Role.COUNTY_ADMIN:
        county = scope.county_id
        return jobs.filter(
            own | Q(created_by__scope__county_id=county) | Q(created_by__scope__township__county_id=county)
        )
    return jobs.filter(own)


def audit_entries_for(user: AnyUser) -> QuerySet[AuditEntry]:
    """The change history a user may read: superusers all; a county admin their county's (townships and clinics
    included); township staff their township's and its clinics'; a doctor their clinic's. County-wide entries
    (a policy) are the county's only. The entry stores its place, so this is one indexed filter."""
    scope = get_scope(user)
    entries = AuditEntry.objects.all()
    if scope.sees_everything:
        return entries
    if scope.level == "clinic":
        return entries.filter(clinic_id=scope.clinic_id)
    if scope.level == "township":
        return entries.filter(township_id=scope.township_id)
    if scope.level == "county":
        return entries.filter(county_id=scope.county_id)
    return entries.none()
