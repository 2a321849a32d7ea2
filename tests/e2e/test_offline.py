"""The doctor's portal with no signal: installable, readable offline, entries queued on the phone and saved once.

A persistent Chromium profile (a phone's browser keeps its service worker, caches and IndexedDB across restarts)
at 390 px; ``context.set_offline(True)`` cuts the network of the pages and of the service worker. Background Sync
is driven through a DevTools session (the last tests).
"""

from __future__ import annotations

import contextlib
import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from clinics.models import OfflineEntry
from programs.models import DrugSale, ServiceItem, ServiceReport
from programs.portal.reports import default_month
from programs.selectors import drugs as drug_selectors
from programs.services import drugs as drug_services
from tests.e2e.conftest import CHROMIUM, login, screenshot, watch_csp
from tests.factories import PASSWORD

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def open_phone(browser, live_server, tmp_path):
    """``open_phone()`` starts the phone's browser on a persistent profile (the same one each time in a test)."""
    contexts = []

    def start(offline: bool = False, background_sync: bool = False):
        context = browser.browser_type.launch_persistent_context(
            user_data_dir=str(tmp_path / "profile"),
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
            viewport=PHONE,
            locale="zh-CN",
            is_mobile=True,
            has_touch=True,
            device_scale_factor=2,
            offline=offline,
        )
        # Unless a test asks for Background Sync, the pages never register a sync, so the queue goes on the next
        # page load (the other path of portal.js). Why: Chromium fires a registered sync as soon as the machine's
        # real network is up; Playwright's emulated offline holds it only while an emulated-offline page of the
        # worker's scope is open. A browser started offline on a profile with a registered sync fired it at once
        # and sent the queue while the test was "offline" (see the Background Sync tests at the end).
        if not background_sync:
            context.add_init_script(
                "Object.defineProperty(ServiceWorkerRegistration.prototype, 'sync', {get: () => undefined})"
            )
        contexts.append(context)
        page = context.pages[0] if context.pages else context.new_page()
        page.set_default_timeout(15000)
        page.goto_path = lambda path: page.goto(live_server.url + path)
        watch_csp(page)
        return context, page

    yield start
    for context in contexts:
        with contextlib.suppress(Exception):
            context.close()


def ready(page):
    """The page has sent the queue and kept the pages for offline reading; the worker controls it."""
    page.locator("html[data-offline-ready='1']").wait_for(state="attached")
    # (wait_for_function evaluates a string, which the portal's CSP refuses: evaluate a promise instead)
    assert page.evaluate(
        "new Promise(ok => navigator.serviceWorker.controller ? ok(true) :"
        " navigator.serviceWorker.addEventListener('controllerchange', () => ok(true)))"
    )


def online_login(page, username):
    login(page, username, PASSWORD)
    ready(page)
    # Kept pages are fetched after the first load; the worker took control during it: load once more.
    page.reload()
    ready(page)


def queue(page):
    """The entries still waiting for an answer (pending or refused), oldest first."""
    return page.evaluate("PortalQueue.all().then(all => all.filter(e => e.state !== 'saved'))")


def _stock(org, quantity=20):
    drug = drug_services.save_drug(
        code="YP001",
        generic_name="阿莫西林胶囊",
        dosage_form="胶囊剂",
        specification="0.25g×24粒",
        unit="盒",
        category="anti_infective",
    )
    drug_services.record_purchase(
        clinic=org.ca1a,
        drug=drug,
        on=timezone.localdate() - timedelta(days=10),
        batch_no="2601A",
        expiry=timezone.localdate() + timedelta(days=300),
        quantity=quantity,
        unit_price="6.80",
    )
    return drug


def _setup(org):
    from tests.programs.conftest import register_doctors

    register_doctors(org)
    return _stock(org)


def _fill_report(page, items):
    year, month = default_month(timezone.localdate())
    page.goto_path(f"/portal/services/{year}/{month}/")
    page.fill(f"#item_{items['PH09'].pk}", "9")
    page.fill(f"#item_{items['PH10'].pk}", "12")
    page.click("button[name=submit]")
    return year, month


def _sell(page, drug, quantity):
    page.goto_path("/portal/drugs/")
    page.click(f"a[href$='?drug={drug.pk}']")
    page.fill("input[name=quantity]", str(quantity))
    page.fill("input[name=unit_price]", "6.80")
    page.click("button:has-text('保存销售')")


def test_installable(phone, live_server, org):
    """The manifest and the worker are linked, served with their types, and the worker takes the portal."""
    _setup(org)
    login(phone, "doc_a1a", PASSWORD)
    ready(phone)
    manifest = phone.evaluate("fetch(document.querySelector('link[rel=manifest]').href).then(r => r.json())")
    assert manifest["start_url"] == "/portal/" and manifest["display"] == "standalone"
    assert manifest["name"] == "村医工作台"
    scope = phone.evaluate("navigator.serviceWorker.getRegistration().then(r => r.scope)")
    assert scope == live_server.url + "/portal/"


def test_offline_month_and_sale_saved_once(open_phone, org):
    drug = _setup(org)
    items = {i.code: i for i in ServiceItem.objects.filter(code__in=["PH09", "PH10"])}
    context, phone = open_phone()
    online_login(phone, "doc_a1a")
    expect(phone.locator("[data-testid=queue-count]")).to_have_text("待发送 0 条")

    # No signal: the kept pages open, with the banner.
    context.set_offline(True)
    phone.goto_path("/portal/")
    banner = phone.locator("[data-testid=offline-banner]")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("离线 · 数据截至")
    assert "张庄村卫生室" in phone.locator("[data-testid=clinic-card]").inner_text()
    screenshot(phone, "offline-banner-phone")
    phone.click("a.tile:has-text('填报月报')")  # /portal/services/ sends on to this month's form, offline too
    year, month = default_month(timezone.localdate())
    phone.wait_for_url(f"**/portal/services/{year}/{month}/")
    phone.goto_path("/portal/notices/?missing=1")  # never kept: the queue page says so
    expect(phone.locator("[data-testid=offline-msg]")).to_contain_text("这个页面没有存在手机里")

    phone.goto_path("/portal/notices/")  # kept too
    expect(banner).to_be_visible()

    year, month = _fill_report(phone, items)
    expect(phone.locator("[data-testid=offline-msg]")).to_contain_text("已存在手机里")
    expect(phone.locator("[data-testid=queue-count]")).to_have_text("待发送 1 条")
    screenshot(phone, "offline-report-queued-phone")
    _sell(phone, drug, 2)
    # The doctor sees the sale kept on the phone and closes the browser at once: no other page, no wait.
    expect(phone.locator("[data-testid=offline-msg]")).to_contain_text("有网后会自动发送（待发送 2 条）")
    context.close()
    assert ServiceReport.objects.count() == 0 and DrugSale.objects.count() == 0

    # The browser is opened again, still offline: both entries are still in the queue.
    context, phone = open_phone(offline=True)
    phone.goto_path("/portal/queue/")
    expect(phone.locator("[data-testid=queue-list] .queue-item")).to_have_count(2)
    expect(phone.locator("[data-testid=queue-count]")).to_have_text("待发送 2 条")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(phone, "offline-queue-phone")
    entries = queue(phone)
    assert [e["kind"] for e in entries] == ["report", "sale"]
    assert entries[1]["fields"]["quantity"] == "2"

    # Signal again: the next page load sends the queue in order; each entry is saved once. (No portal page is open
    # when the signal returns, else its "online" event would start sending first and announce it there.)
    phone.goto("about:blank")
    context.set_offline(False)
    phone.goto_path("/portal/")
    ready(phone)
    expect(phone.locator("[data-testid=queue-count]")).to_have_text("待发送 0 条")
    expect(phone.locator("[data-testid=offline-msg]")).to_contain_text("已把 2 条记录发送到卫生院")
    expect(phone.locator("[data-testid=offline-banner]")).to_be_hidden()
    report = ServiceReport.objects.get()
    assert (report.year, report.month, report.status) == (year, month, ServiceReport.Status.SUBMITTED)
    assert {line.item.code: line.declared_count for line in report.lines.select_related("item")}["PH10"] == 12
    sale = DrugSale.objects.get()
    assert sale.quantity == 2

    # A replayed request (a retry after a lost answer) changes nothing and gets the first answer.
    answers = phone.evaluate(
        """async (entries) => {
            const state = await (await fetch('/portal/sync/')).json();
            const out = [];
            for (const e of entries) {
                const r = await fetch('/portal/sync/', {method: 'POST', headers: {'Content-Type': 'application/json',
                    'X-CSRFToken': state.csrf}, body: JSON.stringify(e)});
                out.push(await r.json());
            }
            return out;
        }""",
        [{k: e[k] for k in ("id", "kind", "user", "params", "fields")} for e in entries],
    )
    assert [a["status"] for a in answers] == ["saved", "saved"]
    assert ServiceReport.objects.count() == 1 and DrugSale.objects.count() == 1
    assert drug_selectors.clinic_stock(org.ca1a.pk).get().quantity == 18


def test_sale_refused_on_sync_shows_reason(open_phone, org):
    drug = _setup(org)
    context, phone = open_phone()
    online_login(phone, "doc_a1a")
    context.set_offline(True)
    _sell(phone, drug, 15)
    expect(phone.locator("[data-testid=queue-count]")).to_have_text("待发送 1 条")
    # Meanwhile the township records sales from the same stock: 10 boxes are left.
    drug_services.record_sale(clinic=org.ca1a, drug=drug, on=timezone.localdate(), quantity=10, unit_price="6.80")
    context.set_offline(False)
    phone.goto_path("/portal/")
    ready(phone)
    expect(phone.locator("[data-testid=queue-count]")).to_contain_text("1 条未能保存")
    # (the refusal is announced once, on the page open when the answer came: this one or the sale page, whose
    # "online" event may have sent the queue first)
    phone.click("[data-testid=queue-count]")
    item = phone.locator("[data-testid=queue-list] .queue-item.refused")
    expect(item).to_contain_text("库存不足")
    expect(item).to_contain_text("阿莫西林胶囊")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(phone, "offline-refused-phone")
    assert DrugSale.objects.count() == 1  # only the township's

    # Fix: the sale form opens filled in; 8 boxes are sold online and the refused entry goes.
    item.locator("a:has-text('修改后重新提交')").click()
    expect(phone.locator("input[name=quantity]")).to_have_value("15")
    phone.fill("input[name=quantity]", "8")
    phone.click("button:has-text('保存销售')")
    expect(phone.locator(".messages")).to_contain_text("已记录：阿莫西林胶囊 8盒")
    assert queue(phone) == []
    assert DrugSale.objects.count() == 2


def test_queue_of_one_doctor_is_not_sent_for_another(open_phone, org):
    _setup(org)
    items = {i.code: i for i in ServiceItem.objects.filter(code__in=["PH09", "PH10"])}
    context, phone = open_phone()
    online_login(phone, "doc_a1a")
    context.set_offline(True)
    _fill_report(phone, items)
    expect(phone.locator("[data-testid=queue-count]")).to_have_text("待发送 1 条")

    # Doctor A's session ends while offline; doctor B logs in on the same phone.
    context.clear_cookies()
    context.set_offline(False)
    phone.goto_path("/accounts/login/")
    expect(phone.locator("[data-testid=queue-count]")).to_contain_text("登录后自动发送")
    online_login(phone, "doc_a1b")
    expect(phone.locator("[data-testid=queue-count]")).to_have_text("待发送 0 条")
    assert ServiceReport.objects.count() == 0
    keys = phone.evaluate("caches.keys()")
    user_b = org.users.other_doctor.pk
    assert [k for k in keys if k.startswith("portal-pages-")] == [f"portal-pages-{user_b}"]
    phone.goto_path("/portal/queue/")
    expect(phone.locator("[data-testid=queue-others]")).to_contain_text("另有 1 条是其他医生")
    expect(phone.locator("[data-testid=queue-list]")).not_to_contain_text("服务月报")
    screenshot(phone, "offline-other-doctor-phone")
    # B's session cannot send A's entry even by hand: the server refuses it and records nothing.
    entry = queue(phone)[0]
    answer = phone.evaluate(
        """async (e) => {
            const state = await (await fetch('/portal/sync/')).json();
            const r = await fetch('/portal/sync/', {method: 'POST', headers: {'Content-Type': 'application/json',
                'X-CSRFToken': state.csrf}, body: JSON.stringify(e)});
            return r.json();
        }""",
        {k: entry[k] for k in ("id", "kind", "user", "params", "fields")},
    )
    assert answer["status"] == "other_user"
    assert ServiceReport.objects.count() == 0

    # Doctor A logs in again: A's entry is sent, as A.
    with phone.expect_navigation():
        phone.click("form.logout button")
    assert [k for k in phone.evaluate("caches.keys()") if k.startswith("portal-pages-")] == []
    online_login(phone, "doc_a1a")
    expect(phone.locator("[data-testid=queue-count]")).to_have_text("待发送 0 条")
    assert ServiceReport.objects.get().clinic_id == org.ca1a.pk
    assert json.dumps(queue(phone)) == "[]"


def test_read_receipt_pressed_offline(open_phone, org):
    from cms.models import Audience, NoticeReceipt
    from tests.cms.conftest import add_notice

    _setup(org)
    notice = add_notice(org.county_a, "慢病管理培训通知", audience=Audience.DOCTORS)
    context, phone = open_phone()
    online_login(phone, "doc_a1a")
    context.set_offline(True)
    phone.goto_path(f"/portal/notices/{notice.pk}/")
    expect(phone.locator("[data-testid=offline-banner]")).to_be_visible()
    phone.click("button:has-text('我已阅读')")
    expect(phone.locator("[data-testid=queue-count]")).to_have_text("待发送 1 条")
    assert not NoticeReceipt.objects.exists()
    context.set_offline(False)
    phone.goto_path("/portal/notices/")
    ready(phone)
    expect(phone.locator("[data-testid=queue-count]")).to_have_text("待发送 0 条")
    assert NoticeReceipt.objects.get().notice_id == notice.pk


# ---------------------------------------------------------------------------------------------- Background Sync


def _devtools(context):
    """A DevTools session on a blank page of ``context`` (a session on a portal page would cancel Playwright's
    offline emulation of ``navigator.onLine`` there), with the service workers' registrations and versions and the
    recorded Background Sync events collected as they come."""
    blank = context.new_page()
    cdp = context.new_cdp_session(blank)
    seen = {"registrations": {}, "versions": [], "sync": []}
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda e: seen["registrations"].update({r["scopeURL"]: r for r in e["registrations"]}),
    )
    cdp.on("ServiceWorker.workerVersionUpdated", lambda e: seen["versions"].extend(e["versions"]))
    cdp.on(
        "BackgroundService.backgroundServiceEventReceived",
        lambda e: seen["sync"].append(e["backgroundServiceEvent"]),
    )
    cdp.send("BackgroundService.startObserving", {"service": "backgroundSync"})
    cdp.send("BackgroundService.setRecording", {"shouldRecord": True, "service": "backgroundSync"})
    cdp.send("ServiceWorker.enable")
    return cdp, seen


def _until(cdp, check, timeout=10.0):
    """Wait until ``check()`` holds, for CDP events: each round trip to the browser delivers the events sent so far
    (like expect(), it polls with a time limit)."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out waiting for the browser"
        cdp.send("Runtime.evaluate", {"expression": "new Promise(ok => setTimeout(ok, 25))", "awaitPromise": True})


def _sync_posts(context):
    """The entries POSTed to the sync endpoint, each with who sent it (a page, or the service worker)."""
    posts = []
    context.on("request", lambda r: posts.append(r) if _is_sync_post(r) else None)
    return posts


def _is_sync_post(request):
    return request.method == "POST" and request.url.endswith("/portal/sync/")


def _shows_sent(context, live_server, text):
    """The queue page, opened after the worker sent the queue: the entry is listed as sent, and announced once."""
    page = context.new_page()
    page.set_default_timeout(15000)
    watch_csp(page)
    page.goto(live_server.url + "/portal/queue/")
    ready(page)
    item = page.locator("[data-testid=queue-list] .queue-item.saved")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("已保存")
    expect(item).to_contain_text(text)
    expect(page.locator("[data-testid=offline-msg]")).to_contain_text("已把 1 条记录发送到卫生院")
    expect(page.locator("[data-testid=queue-count]")).to_have_text("待发送 0 条")
    return page


def test_background_sync_fires_when_the_signal_returns(open_phone, org, live_server):
    """The page registers a sync when it queues an entry; Chromium holds it while offline and fires it when the
    signal is back. The page (its "online" event) and the worker (the sync event) both try to send, one at a time
    (PortalQueue.flush holds a lock): the entry is posted once and saved once.

    (The page stays open: Chromium holds a sync for Playwright's emulated offline only while an emulated-offline page
    of the worker's scope is open. Closing the last one fires the sync at once, because the machine's real network is
    up, and the worker then fails (retried in 5 minutes) or sends while the test is "offline". The worker woken with
    no page open is the next test.)"""
    _setup(org)
    items = {i.code: i for i in ServiceItem.objects.filter(code__in=["PH09", "PH10"])}
    context, phone = open_phone(background_sync=True)
    online_login(phone, "doc_a1a")
    cdp, seen = _devtools(context)
    phone.bring_to_front()
    context.set_offline(True)
    year, month = _fill_report(phone, items)
    expect(phone.locator("[data-testid=offline-msg]")).to_contain_text("有网后会自动发送（待发送 1 条）")
    assert phone.evaluate("navigator.serviceWorker.ready.then(r => r.sync.getTags())") == ["portal-queue"]
    _until(cdp, lambda: [e["eventName"] for e in seen["sync"]] == ["Registered sync"])
    posts = _sync_posts(context)
    assert ServiceReport.objects.count() == 0

    context.set_offline(False)
    expect(phone.locator("[data-testid=queue-count]")).to_have_text("待发送 0 条")
    _until(cdp, lambda: "Dispatched sync event" in [e["eventName"] for e in seen["sync"]])
    assert {e["instanceId"] for e in seen["sync"]} == {"portal-queue"}
    report = ServiceReport.objects.get()
    assert (report.year, report.month, report.status) == (year, month, ServiceReport.Status.SUBMITTED)
    assert OfflineEntry.objects.get().status == OfflineEntry.Status.SAVED
    # Both senders are done once the page gets the queue's lock.
    assert phone.evaluate("navigator.locks.request('portal-offline-queue', () => true)")
    assert len(posts) == 1 and ServiceReport.objects.count() == 1
    phone.goto_path("/portal/queue/")
    expect(phone.locator("[data-testid=queue-list] .queue-item.saved")).to_contain_text("服务月报")


def test_sync_event_wakes_a_stopped_worker(open_phone, org, live_server):
    """A sync event that has to start the worker (the phone stopped it long ago): DevTools dispatches it as the
    browser would, to a stopped worker with no page open; the entry is saved once, and a second sync event (the
    browser's last-chance retry) sends nothing again."""
    drug = _setup(org)
    context, phone = open_phone()  # no registration: going online must not fire a sync before the worker stops
    online_login(phone, "doc_a1a")
    context.set_offline(True)
    _sell(phone, drug, 3)
    expect(phone.locator("[data-testid=offline-msg]")).to_contain_text("有网后会自动发送（待发送 1 条）")
    cdp, seen = _devtools(context)
    posts = _sync_posts(context)
    phone.close()
    context.set_offline(False)  # (Playwright's set_offline hangs once a worker it attached to is stopped: first)
    cdp.send("ServiceWorker.stopAllWorkers")
    _until(cdp, lambda: seen["versions"] and seen["versions"][-1]["runningStatus"] == "stopped")
    stopped = len(seen["versions"])
    assert DrugSale.objects.count() == 0 and posts == []
    registration = seen["registrations"][live_server.url + "/portal/"]["registrationId"]

    def dispatch(last_chance):
        cdp.send(
            "ServiceWorker.dispatchSyncEvent",
            {
                "origin": live_server.url,
                "registrationId": registration,
                "tag": "portal-queue",
                "lastChance": last_chance,
            },
        )

    with context.expect_event("requestfinished", _is_sync_post) as sent:
        dispatch(False)
    assert sent.value.service_worker is not None
    _until(cdp, lambda: any(v["runningStatus"] == "running" for v in seen["versions"][stopped:]))  # started for it
    assert sent.value.response().json()["status"] == "saved"
    assert DrugSale.objects.get().quantity == 3

    page = _shows_sent(context, live_server, "阿莫西林胶囊")
    screenshot(page, "offline-background-sync-sent-phone")
    with context.expect_event("requestfinished", lambda r: r.url.endswith("/portal/sync/") and r.method == "GET"):
        dispatch(True)  # the worker asks who is logged in, finds nothing pending and sends nothing
    # The worker holds the queue's lock while it sends (PortalQueue.flush): once the page gets it, the worker is done.
    assert page.evaluate("navigator.locks.request('portal-offline-queue', () => true)")
    expect(page.locator("[data-testid=queue-list] .queue-item.saved")).to_have_count(1)
    assert len(posts) == 1
    assert DrugSale.objects.count() == 1 and OfflineEntry.objects.count() == 1
