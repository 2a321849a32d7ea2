from tests.permissions import DENIED, LOGIN, NOT_FOUND, OK, Case, doctor_portal, staff_admin

# Admin pages for organisation staff (the notice editor holds no clinic permissions).
ORG_STAFF = staff_admin(editor=DENIED)
COUNTY_ONLY = staff_admin(township=DENIED, other_township=DENIED, editor=DENIED)
NO_PERMISSION = {"township": DENIED, "other_township": DENIED, "editor": DENIED}
# A user's role assignment: only county admins of that user's county see it; to everyone else it does not exist.
USER_OF_A1A = staff_admin(township=NOT_FOUND, other_township=NOT_FOUND, editor=NOT_FOUND, other_county=NOT_FOUND)


def in_scope_of_a1(**overrides):
    """An object of township A1 (county A): others outside get 404, not a hint that it exists."""
    return staff_admin(**{"other_township": NOT_FOUND, "other_county": NOT_FOUND, "editor": DENIED, **overrides})


CASES = [
    Case(
        "accounts:login", dict.fromkeys(["anonymous"], OK), default=302, id="login page (logged-in users are sent on)"
    ),
    Case("accounts:after_login", {"anonymous": LOGIN, "doctor": 302, "township": 302}, default=302),
    Case("accounts:logout", {}, default=302, method="post"),
    Case("accounts:password_change", {"anonymous": LOGIN}, default=OK),
    Case("accounts:password_change_done", {"anonymous": LOGIN}, default=OK),
    Case("accounts:password_reset", {}, default=OK),
    Case("accounts:password_reset_done", {}, default=OK),
    Case("accounts:password_reset_confirm", {}, default=OK, args=lambda o: ["MQ", "set-password"], id="bad link"),
    Case("accounts:password_reset_complete", {}, default=OK),
    Case("portal:home", doctor_portal()),
    # clinics
    Case("clinic:index", ORG_STAFF),
    Case("clinic:index_results", ORG_STAFF),
    Case("clinic:add", ORG_STAFF),
    Case("clinic:edit", in_scope_of_a1(), args=lambda o: [o.ca1a.pk]),
    Case("clinic:inspect", in_scope_of_a1(), args=lambda o: [o.ca1a.pk]),
    Case("clinic:history", in_scope_of_a1(), args=lambda o: [o.ca1a.pk]),
    Case("clinic:history_results", in_scope_of_a1(), args=lambda o: [o.ca1a.pk]),
    Case("clinic:usage", in_scope_of_a1(), args=lambda o: [o.ca1a.pk]),
    Case("clinic:delete", in_scope_of_a1(township=DENIED), args=lambda o: [o.ca1a.pk]),
    Case("clinic:copy", in_scope_of_a1(), args=lambda o: [o.ca1a.pk]),
    Case(
        "clinic:edit",
        staff_admin(township=NOT_FOUND, other_township=NOT_FOUND, county=NOT_FOUND, other_county=OK, editor=DENIED),
        args=lambda o: [o.cb1a.pk],
        id="clinic of county B",
    ),
    Case(
        "clinic:edit",
        staff_admin(
            township=NOT_FOUND,
            other_township=NOT_FOUND,
            county=NOT_FOUND,
            other_county=NOT_FOUND,
            editor=DENIED,
            superuser=NOT_FOUND,
        ),
        args=lambda o: [999999],
        id="guessed clinic id",
    ),
    # townships
    Case("township:index", ORG_STAFF),
    Case("township:index_results", ORG_STAFF),
    Case("township:add", COUNTY_ONLY),
    Case("township:edit", in_scope_of_a1(township=DENIED, other_township=DENIED), args=lambda o: [o.ta1.pk]),
    Case("township:inspect", in_scope_of_a1(), args=lambda o: [o.ta1.pk]),
    Case("township:history", in_scope_of_a1(township=DENIED), args=lambda o: [o.ta1.pk]),
    Case("township:history_results", in_scope_of_a1(township=DENIED), args=lambda o: [o.ta1.pk]),
    Case("township:usage", in_scope_of_a1(township=DENIED), args=lambda o: [o.ta1.pk]),
    Case("township:delete", in_scope_of_a1(township=DENIED), args=lambda o: [o.ta1.pk]),
    Case("township:copy", in_scope_of_a1(township=DENIED, other_township=DENIED), args=lambda o: [o.ta1.pk]),
    # service population
    Case("clinicpopulation:index", ORG_STAFF),
    Case("clinicpopulation:index_results", ORG_STAFF),
    Case("clinicpopulation:add", ORG_STAFF),
    Case("clinicpopulation:edit", in_scope_of_a1(), args=lambda o: [o.ca1a.populations.get().pk]),
    Case("clinicpopulation:history", in_scope_of_a1(), args=lambda o: [o.ca1a.populations.get().pk]),
    Case("clinicpopulation:history_results", in_scope_of_a1(), args=lambda o: [o.ca1a.populations.get().pk]),
    Case("clinicpopulation:usage", in_scope_of_a1(), args=lambda o: [o.ca1a.populations.get().pk]),
    Case("clinicpopulation:delete", in_scope_of_a1(township=DENIED), args=lambda o: [o.ca1a.populations.get().pk]),
    Case("clinicpopulation:copy", in_scope_of_a1(), args=lambda o: [o.ca1a.populations.get().pk]),
    # user roles: county admins only, for their county
    Case("userscope:index", COUNTY_ONLY),
    Case("userscope:index_results", COUNTY_ONLY),
    Case("userscope:add", COUNTY_ONLY),
    Case("userscope:edit", USER_OF_A1A | NO_PERMISSION, args=lambda o: [o.users.doctor.scope.pk]),
    Case("userscope:history", USER_OF_A1A, args=lambda o: [o.users.doctor.scope.pk]),
    Case("userscope:history_results", USER_OF_A1A, args=lambda o: [o.users.doctor.scope.pk]),
    Case("userscope:usage", USER_OF_A1A, args=lambda o: [o.users.doctor.scope.pk]),
    Case("userscope:delete", USER_OF_A1A | {"county": DENIED}, args=lambda o: [o.users.doctor.scope.pk]),
    Case("userscope:copy", USER_OF_A1A | NO_PERMISSION, args=lambda o: [o.users.doctor.scope.pk]),
    # import / export
    Case("data:import", ORG_STAFF | {"township": DENIED, "other_township": DENIED}, args=lambda o: ["townships"]),
    Case("data:import", ORG_STAFF, args=lambda o: ["clinics"], id="import clinics"),
    Case(
        "data:import",
        staff_admin(
            **dict.fromkeys(["township", "other_township", "county", "other_county", "editor", "superuser"], NOT_FOUND)
        ),
        args=lambda o: ["no-such-resource"],
        id="unknown resource",
    ),
    Case("data:export", ORG_STAFF, args=lambda o: ["clinics"]),
    Case("data:export", ORG_STAFF, args=lambda o: ["townships"], query="format=csv", id="export townships csv"),
    Case("data:template", ORG_STAFF | {"township": DENIED, "other_township": DENIED}, args=lambda o: ["townships"]),
    Case("data:template", ORG_STAFF, args=lambda o: ["service_reports"], id="template service reports"),
    Case(
        "data:template",
        staff_admin(
            **dict.fromkeys(["township", "other_township", "county", "other_county", "editor", "superuser"], NOT_FOUND)
        ),
        args=lambda o: ["no-such-resource"],
        id="template of an unknown resource",
    ),
]
