"""Every URL of the doctors feature × every role (see tests/permissions.py)."""

from datetime import date, timedelta
from types import SimpleNamespace

from django.utils import timezone

from doctors.models import RenewalApplication
from tests.doctors.helpers import make_doctor, make_licence, make_session, pass_assessment
from tests.permissions import DENIED, LOGIN, NOT_FOUND, OK, Case, doctor_portal, staff_admin

STAFF = staff_admin(editor=DENIED)  # township staff and county admins; the notice editor holds no doctor rights
COUNTY_ONLY = staff_admin(township=DENIED, other_township=DENIED, editor=DENIED)


def in_a1(**overrides):
    """An object of clinic A1a (township A1, county A): outsiders get 404."""
    return staff_admin(**{"other_township": NOT_FOUND, "other_county": NOT_FOUND, "editor": DENIED, **overrides})


def in_county_b(**overrides):
    return staff_admin(
        **{
            "township": NOT_FOUND,
            "other_township": NOT_FOUND,
            "county": NOT_FOUND,
            "other_county": OK,
            "editor": DENIED,
            **overrides,
        }
    )


def data(org):
    """Doctor records for the org fixture (built once per test)."""
    if not hasattr(org, "doctors_data"):
        today = timezone.localdate()
        doctor = make_doctor(org.ca1a, user=org.users.doctor)
        licence = make_licence(doctor, issued_on=date(today.year - 1, 1, 10))
        far = make_doctor(org.cb1a, user=org.users.far_doctor, name="赵立新")
        far_licence = make_licence(far, issued_on=date(today.year - 1, 1, 10))
        session = make_session(org.county_a, today - timedelta(days=40))
        far_session = make_session(org.county_b, today - timedelta(days=40))
        from doctors.models import TrainingAttendance, TrainingRule

        attendance = TrainingAttendance.objects.create(session=session, doctor=doctor)
        far_attendance = TrainingAttendance.objects.create(session=far_session, doctor=far)
        application = RenewalApplication.objects.create(licence=licence, applied_on=today)
        far_application = RenewalApplication.objects.create(licence=far_licence, applied_on=today)
        org.doctors_data = SimpleNamespace(
            doctor=doctor,
            licence=licence,
            far=far,
            far_licence=far_licence,
            session=session,
            far_session=far_session,
            attendance=attendance,
            far_attendance=far_attendance,
            application=application,
            far_application=far_application,
            assessment=pass_assessment(doctor, today - timedelta(days=30)),
            far_assessment=pass_assessment(far, today - timedelta(days=30)),
            rule=TrainingRule.objects.create(county=org.county_a),
            far_rule=TrainingRule.objects.create(county=org.county_b),
        )
    return org.doctors_data


def d(attr):
    return lambda o: [getattr(data(o), attr).pk]


def viewset_cases(prefix, obj, far_obj, *, index=STAFF, add=STAFF, with_inspect=False, **over):
    """The URLs of a scoped viewset. ``over`` replaces the expectation of one URL kind
    (edit, edit_b, guessed, history, history_results, usage, delete, inspect)."""
    guessed = staff_admin(
        township=NOT_FOUND,
        other_township=NOT_FOUND,
        county=NOT_FOUND,
        other_county=NOT_FOUND,
        editor=DENIED,
        superuser=NOT_FOUND,
    )
    e = {
        "edit": in_a1(),
        "edit_b": in_county_b(),
        "guessed": guessed,
        "history": in_a1(),
        "history_results": in_a1(),
        "usage": in_a1(),
        "delete": in_a1(township=DENIED, county=DENIED),
        "inspect": in_a1(),
        **over,
    }
    cases = [
        Case(f"{prefix}:index", index),
        Case(f"{prefix}:index_results", index),
        Case(f"{prefix}:add", add),
        Case(f"{prefix}:edit", e["edit"], args=d(obj)),
        Case(f"{prefix}:edit", e["edit_b"], args=d(far_obj), id=f"{prefix} of county B"),
        Case(f"{prefix}:edit", e["guessed"], args=lambda o: [999999], id=f"guessed {prefix} id"),
        Case(f"{prefix}:history", e["history"], args=d(obj)),
        Case(f"{prefix}:history_results", e["history_results"], args=d(obj)),
        Case(f"{prefix}:usage", e["usage"], args=d(obj)),
        Case(f"{prefix}:delete", e["delete"], args=d(obj)),
    ]
    if with_inspect:
        cases.append(Case(f"{prefix}:inspect", e["inspect"], args=d(obj)))
    return cases


# Township staff may not change licences (only add them); the county's rule is the county admin's.
NO_TOWNSHIP = {"township": DENIED, "other_township": DENIED}
# A county training is visible to every township of the county; only the county admin changes it.
COUNTY_SESSION = in_a1(other_township=OK)


CASES = [
    *viewset_cases("villagedoctor", "doctor", "far", with_inspect=True),
    *viewset_cases(
        "licence",
        "licence",
        "far_licence",
        with_inspect=True,
        edit=in_a1(**NO_TOWNSHIP),
        edit_b=in_county_b(**NO_TOWNSHIP),
        guessed=in_county_b(**NO_TOWNSHIP, county=NOT_FOUND, other_county=NOT_FOUND, superuser=NOT_FOUND),
        usage=in_a1(township=DENIED),
    ),
    *viewset_cases(
        "trainingsession",
        "session",
        "far_session",
        with_inspect=True,
        edit=in_a1(**NO_TOWNSHIP),
        history=COUNTY_SESSION,
        history_results=COUNTY_SESSION,
        usage=COUNTY_SESSION,
        inspect=COUNTY_SESSION,
        delete=in_a1(**NO_TOWNSHIP),
    ),
    *viewset_cases("trainingattendance", "attendance", "far_attendance", delete=in_a1()),
    *viewset_cases("doctorassessment", "assessment", "far_assessment"),
    *viewset_cases(
        "trainingrule",
        "rule",
        "far_rule",
        add=COUNTY_ONLY,
        index=staff_admin(editor=DENIED),
        edit=in_a1(**NO_TOWNSHIP),
        edit_b=in_county_b(**NO_TOWNSHIP),
        guessed=in_county_b(**NO_TOWNSHIP, county=NOT_FOUND, other_county=NOT_FOUND, superuser=NOT_FOUND),
        history=in_a1(**NO_TOWNSHIP),
        history_results=in_a1(**NO_TOWNSHIP),
        usage=in_a1(**NO_TOWNSHIP),
        delete=in_a1(**NO_TOWNSHIP, county=DENIED),
    ),
    # work lists and the renewal workflow
    Case("doctors:worklist", STAFF),
    Case("doctors:renewals", STAFF),
    Case("doctors:renewals", STAFF, query="status=all", id="all renewals"),
    Case("doctors:training", STAFF),
    Case("doctors:training", STAFF, query="year=abc&behind=1", id="training with a bad year"),
    Case("doctors:renewal", in_a1(), args=d("application")),
    Case("doctors:renewal", in_county_b(), args=d("far_application"), id="renewal of county B"),
    Case(
        "doctors:renewal",
        in_a1(township=400, county=400, superuser=400),
        args=d("application"),
        method="post",
        data=lambda o: {"action": "nonsense"},
        id="renewal post with a bad action",
    ),
    Case("doctors:apply", in_a1(), args=d("licence")),
    Case("doctors:apply", in_county_b(), args=d("far_licence"), id="apply for a licence of county B"),
    Case("doctors:cancel", in_a1(township=DENIED), args=d("licence")),
    Case("doctors:cancel", in_county_b(), args=d("far_licence"), id="cancel a licence of county B"),
    Case("doctors:reset_password", in_a1(), args=d("doctor")),
    Case("doctors:reset_password", in_county_b(), args=d("far"), id="reset password page of a doctor of county B"),
    Case(
        "doctors:reset_password",
        in_county_b(),
        args=d("far"),
        method="post",
        id="reset the password of a doctor of county B",
    ),
    # the doctor's portal: doctors without a record see why they may not practise
    Case("portal_doctors:licence", doctor_portal(), args=lambda o: (data(o), [])[1]),
    Case(
        "portal_doctors:apply",
        doctor_portal(doctor=400, other_doctor=302, far_doctor=400, anonymous=LOGIN),
        args=lambda o: (data(o), [])[1],
        method="post",
        data=lambda o: {"note": ""},
    ),
]
