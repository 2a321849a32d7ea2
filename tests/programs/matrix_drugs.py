"""Permission matrix of the essential-drug feature: admin lists and the doctor portal."""

from datetime import timedelta

from django.utils import timezone

from tests.permissions import DENIED, LOGIN, NOT_FOUND, OK, Case, doctor_portal, staff_admin

DRUG_STAFF = staff_admin(editor=DENIED)
COUNTY_EDITS = staff_admin(township=DENIED, other_township=DENIED, editor=DENIED)
NOBODY_BUT_SUPER = staff_admin(
    township=DENIED, other_township=DENIED, county=DENIED, other_county=DENIED, editor=DENIED
)


def _drug(org):
    from programs.models import Drug
    from programs.services import drugs as services

    found = Drug.objects.filter(code="YP001").first()
    return found or services.save_drug(
        code="YP001",
        generic_name="阿莫西林胶囊",
        dosage_form="胶囊剂",
        specification="0.25g×24粒",
        unit="盒",
        category="anti_infective",
    )


def _sale(org, clinic_attr="ca1a", price="7.80"):
    from programs.services import drugs as services

    clinic = getattr(org, clinic_attr)
    day = timezone.localdate() - timedelta(days=3)
    services.record_purchase(
        clinic=clinic,
        drug=_drug(org),
        on=day,
        batch_no="B1",
        expiry=timezone.localdate() + timedelta(days=30),
        quantity=10,
        unit_price="6.80",
    )
    return services.record_sale(clinic=clinic, drug=_drug(org), on=day, quantity=1, unit_price=price)


def _purchase_pk(org, clinic_attr="ca1a"):
    return _sale(org, clinic_attr).clinic.drug_purchases.get().pk


def _stock_pk(org, clinic_attr="ca1a"):
    return _sale(org, clinic_attr).clinic.drug_stocks.get().pk


def _in_a1(**overrides):
    return staff_admin(**{"other_township": NOT_FOUND, "other_county": NOT_FOUND, "editor": DENIED, **overrides})


def _in_b1(**overrides):
    return staff_admin(
        **{"township": NOT_FOUND, "other_township": NOT_FOUND, "county": NOT_FOUND, "editor": DENIED, **overrides}
    )


# Purchases, sales, stock, expiring batches and violations of clinic A1a (township A1) and B1a (county B).
OBJECTS = {
    "drugpurchase": _purchase_pk,
    "drugsale": lambda org, c="ca1a": _sale(org, c).pk,
    "drugviolation": lambda org, c="ca1a": _sale(org, c).pk,
    "expiringbatch": _purchase_pk,
    "drugstock": _stock_pk,
}
READ_ONLY = {"drugstock", "expiringbatch", "drugviolation"}

CASES = [
    Case("drugs:violation_totals", DRUG_STAFF),
    Case("drugs:violation_totals", DRUG_STAFF, query="start=2026-02-01&end=2026-01-01", id="totals, bad period"),
    # catalogue: every staff member reads it; only the county maintains it
    Case("drug:index", DRUG_STAFF),
    Case("drug:index_results", DRUG_STAFF),
    Case("drug:add", staff_admin(township=DENIED, other_township=DENIED, editor=DENIED)),
    Case("drug:edit", staff_admin(township=DENIED, other_township=DENIED, editor=DENIED), args=lambda o: [_drug(o).pk]),
    Case("drug:delete", NOBODY_BUT_SUPER, args=lambda o: [_drug(o).pk]),
    Case("drug:history", COUNTY_EDITS, args=lambda o: [_drug(o).pk]),
    Case("drug:history_results", COUNTY_EDITS, args=lambda o: [_drug(o).pk]),
    Case("drug:usage", COUNTY_EDITS, args=lambda o: [_drug(o).pk]),
    Case(
        "drug:edit",
        staff_admin(
            township=DENIED,
            other_township=DENIED,
            editor=DENIED,
            county=NOT_FOUND,
            other_county=NOT_FOUND,
            superuser=NOT_FOUND,
        ),
        args=lambda o: [999999],
        id="guessed drug id",
    ),
    # portal
    Case("portal_drugs:home", doctor_portal()),
    Case("portal_drugs:sell", doctor_portal()),
    Case("portal_drugs:sell", doctor_portal(), query="q=amxl", id="sell, pinyin search"),
    Case("portal_drugs:daily", doctor_portal()),
    Case(
        "portal_drugs:sell",
        doctor_portal(doctor=OK),
        method="post",
        data=lambda o: {"drug": _drug(o).pk},
        id="sell, incomplete post shows errors",
    ),
]

for name in OBJECTS:
    CASES += [Case(f"{name}:index", DRUG_STAFF), Case(f"{name}:index_results", DRUG_STAFF)]
    add = NOBODY_BUT_SUPER if name in READ_ONLY else DRUG_STAFF
    CASES.append(Case(f"{name}:add", add))
    # Records that change stock are never edited in place: only a superuser may even open the form.
    CASES.append(
        Case(
            f"{name}:edit",
            _in_a1(township=DENIED, county=DENIED, other_township=DENIED, other_county=DENIED),
            args=lambda o, n=name: [OBJECTS[n](o)],
            id=f"{name}:edit A1",
        )
    )
    CASES.append(
        Case(
            f"{name}:edit",
            _in_b1(township=DENIED, county=DENIED, other_township=DENIED, other_county=DENIED),
            args=lambda o, n=name: [OBJECTS[n](o, "cb1a")],
            id=f"{name}:edit county B",
        )
    )
    # History needs an add/change permission (purchases and sales); usage needs change. An object outside
    # the user's scope is a 404 before any permission check.
    for view in ("history", "history_results", "usage"):
        staff_may = view != "usage" and name not in READ_ONLY
        inside = OK if staff_may else DENIED
        a1 = _in_a1(township=inside, county=inside)
        b1 = _in_b1(other_county=inside, editor=NOT_FOUND)
        CASES.append(Case(f"{name}:{view}", a1, args=lambda o, n=name: [OBJECTS[n](o)], id=f"{name}:{view} A1"))
        CASES.append(
            Case(f"{name}:{view}", b1, args=lambda o, n=name: [OBJECTS[n](o, "cb1a")], id=f"{name}:{view} county B")
        )
    CASES.append(
        Case(
            f"{name}:delete",
            _in_a1(township=DENIED, county=DENIED),
            args=lambda o, n=name: [OBJECTS[n](o)],
            id=f"{name}:delete A1",
        )
    )

assert LOGIN
