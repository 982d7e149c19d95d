"""The JSON API (/api/v1/): keys and their scope over the federation tree, the session with
CSRF, the writes through the pages' own functions, the sync by `updated_since` with deletions,
JSON errors with stable codes, the rate limit and the log line of every call."""

import io
import logging
import re
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import reverse

from tasks import roles
from tasks.api.access import PerClientThrottle
from tasks.models import ApiKey, Deletion, Measure, Milestone, ProgressReport, ResponsibleBody
from tests.factories import MeasureFactory, UserFactory
from tests.test_federations import Tree, _hand_down

pytestmark = pytest.mark.django_db


class Plan:
    """The federations' tree of tests/test_federations.py, the province's measure handed down
    to both cities, and 甲市's copy handed on to its county; a key for each level."""

    def __init__(self) -> None:
        self.tree = tree = Tree()
        self.province = tree.measure
        self.city_a, self.city_b = _hand_down(tree, tree.measure, tree.city_a, tree.city_b)
        (self.county,) = _hand_down(tree, self.city_a, tree.county, by="city_a_office")
        self.measures = {
            "province": self.province,
            "city_a": self.city_a,
            "city_b": self.city_b,
            "county": self.county,
        }
        self.keys = {}
        for name, federation, write in [
            ("province_read", tree.province, False),
            ("city_a_read", tree.city_a, False),
            ("city_a_write", tree.city_a, True),
            ("city_b_write", tree.city_b, True),
            ("county_write", tree.county, True),
        ]:
            _key, text = ApiKey.objects.issue(name=name, federation=federation, write=write)
            self.keys[name] = text

    def client(self, key: str) -> Client:
        return Client(HTTP_AUTHORIZATION=f"Api-Key {self.keys[key]}")


@pytest.fixture
def plan():
    return Plan()


def _url(name: str, *args) -> str:
    return reverse(f"api:{name}", args=args)


def _report(measure: Measure, **fields) -> dict:
    return {
        "measure": measure.pk,
        "progress": 40,
        "status": "in_progress",
        "done_text": "召开专题会议，制定实施方案。",
        **fields,
    }


# -- keys -----------------------------------------------------------------------------------


def test_create_api_key_prints_the_key_once_and_keeps_only_its_digest(plan):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "create_api_key", "职工之家APP", "--federation", "甲市总工会", stdout=out, stderr=err
    )
    text = out.getvalue().strip()
    key = ApiKey.objects.get(name="职工之家APP")
    assert key.federation == plan.tree.city_a and not key.can_write
    assert text.startswith(key.prefix + ".") and text.split(".", 1)[1] not in key.digest
    assert "不会再次显示" in err.getvalue() or "not shown again" in err.getvalue()
    # the key's account: a reader of 甲市's subtree that cannot log in to the site
    assert not key.user.has_usable_password()
    assert list(key.user.groups.values_list("name", flat=True)) == [roles.VIEWER]
    response = Client(HTTP_AUTHORIZATION=f"Api-Key {text}").get(_url("measure-list"))
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    assert ids == {plan.city_a.pk, plan.county.pk}

    call_command(
        "create_api_key",
        "数据平台",
        "--federation",
        str(plan.tree.county.pk),
        "--write",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    assert ApiKey.objects.get(name="数据平台").user.groups.get().name == roles.LIAISON


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        (["x", "--federation", "没有这个工会"], "没有这个工会"),
        (["x", "--federation", "省人社厅"], "省人社厅"),  # a body, not a federation
        (["province_read", "--federation", "省总工会"], "province_read"),  # the name is taken
    ],
)
def test_create_api_key_refuses_what_it_cannot_make(plan, arguments, problem):
    before = ApiKey.objects.count()
    with pytest.raises(CommandError) as refused:
        call_command("create_api_key", *arguments, stdout=io.StringIO(), stderr=io.StringIO())
    assert problem in str(refused.value) or "已存在" in str(refused.value)
    assert ApiKey.objects.count() == before


@pytest.mark.parametrize(
    ("header", "code"),
    [
        (None, "not_authenticated"),
        ("Api-Key ", "authentication_failed"),
        ("Api-Key nothing", "authentication_failed"),
        ("Api-Key 0000.wrong", "authentication_failed"),
    ],
)
def test_a_call_without_a_valid_key_is_401_in_json(plan, header, code):
    client = Client(HTTP_AUTHORIZATION=header) if header else Client()
    response = client.get(_url("measure-list"))
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == code
    assert any("\u4e00" <= c <= "\u9fff" for c in body["message"])  # in Chinese


def test_a_key_made_inactive_or_renewed_stops_working(plan):
    client = plan.client("city_a_read")
    assert client.get(_url("measure-list")).status_code == 200
    key = ApiKey.objects.get(name="city_a_read")
    key.is_active = False
    key.save()
    assert client.get(_url("measure-list")).status_code == 401
    key.is_active = True
    secret = key.new_secret()
    key.save()
    assert client.get(_url("measure-list")).status_code == 401  # the old key
    renewed = Client(HTTP_AUTHORIZATION=f"Api-Key {key.prefix}.{secret}")
    assert renewed.get(_url("measure-list")).status_code == 200


def test_the_admin_makes_a_key_and_shows_it_once(plan, superuser, client):
    client.force_login(superuser)
    response = client.post(
        reverse("admin:tasks_apikey_add"),
        {"name": "服务一张网", "federation": plan.tree.city_b.pk, "is_active": "on"},
        follow=True,
    )
    key = ApiKey.objects.get(name="服务一张网")
    shown = [str(m) for m in response.context["messages"]]
    text = next(re.search(rf"{key.prefix}\.\S+", m).group() for m in shown if key.prefix in m)
    reader = Client(HTTP_AUTHORIZATION=f"Api-Key {text}")
    assert {r["id"] for r in reader.get(_url("measure-list")).json()["results"]} == {plan.city_b.pk}
    # a coordinator does not see the keys at all
    office = plan.tree["province_office"]
    office.is_staff = True
    office.save()
    client.force_login(office)
    assert client.get(reverse("admin:tasks_apikey_changelist")).status_code == 403


# -- the permission matrix: key scope × federation × method ---------------------------------

SEES = {
    # what GET /measures/<id>/ answers for each key (the measures handed down from above are
    # shown read-only, as on the page)
    "province_read": {"province": 200, "city_a": 200, "city_b": 200, "county": 200},
    "city_a_read": {"province": 200, "city_a": 200, "city_b": 404, "county": 200},
    "city_a_write": {"province": 200, "city_a": 200, "city_b": 404, "county": 200},
    "city_b_write": {"province": 200, "city_a": 404, "city_b": 200, "county": 404},
    "county_write": {"province": 200, "city_a": 200, "city_b": 404, "county": 200},
}
LISTS = {
    "province_read": {"province", "city_a", "city_b", "county"},
    "city_a_read": {"city_a", "county"},
    "city_a_write": {"city_a", "county"},
    "city_b_write": {"city_b"},
    "county_write": {"county"},
}
# what POST /reports/ answers: 201 filed; 403 the key reads only; 400 the measure is not one
# the key may report on (not in its lists: not said to exist)
FILES = {
    "province_read": {"province": 403, "city_a": 403, "city_b": 403, "county": 403},
    "city_a_read": {"province": 403, "city_a": 403, "city_b": 403, "county": 403},
    "city_a_write": {"province": 400, "city_a": 201, "city_b": 400, "county": 201},
    "city_b_write": {"province": 400, "city_a": 400, "city_b": 201, "county": 400},
    "county_write": {"province": 400, "city_a": 400, "city_b": 400, "county": 201},
}


@pytest.mark.parametrize("key", sorted(SEES))
def test_permission_matrix_of_keys_over_the_federation_tree(plan, key):
    client = plan.client(key)
    listed = {row["id"] for row in client.get(_url("measure-list")).json()["results"]}
    assert listed == {plan.measures[name].pk for name in LISTS[key]}
    for name, measure in plan.measures.items():
        answer = client.get(_url("measure-detail", measure.pk))
        assert answer.status_code == SEES[key][name], (key, name)
        if answer.status_code == 404:
            assert answer.json()["code"] == "not_found"
        filed = client.post(_url("report-list"), _report(measure), content_type="application/json")
        assert filed.status_code == FILES[key][name], (key, name, filed.content)
        code = {201: None, 403: "permission_denied", 400: "invalid"}[filed.status_code]
        if code:
            assert filed.json()["code"] == code
            assert not ProgressReport.objects.filter(
                measure=measure, author__api_key__name=key
            ).exists()
        # no key may change a measure, whatever its scope: the API has no such method (a key
        # that only reads is refused before that)
        changed = client.patch(
            _url("measure-detail", measure.pk), {"progress": 90}, content_type="application/json"
        )
        assert changed.status_code == (405 if key.endswith("_write") else 403)
    reports = {row["measure"] for row in client.get(_url("report-list")).json()["results"]}
    assert reports <= {plan.measures[name].pk for name in LISTS[key]}


def test_the_lists_of_the_tree_hold_the_keys_subtree(plan):
    tree = plan.tree
    county = plan.client("county_write")
    federations = {row["id"]: row for row in county.get(_url("federation-list")).json()["results"]}
    assert set(federations) == {tree.county.pk}
    assert federations[tree.county.pk]["above"] == tree.city_a.pk
    province = plan.client("province_read")
    federations = {row["id"] for row in province.get(_url("federation-list")).json()["results"]}
    assert federations == {tree.province.pk, tree.city_a.pk, tree.city_b.pk, tree.county.pk}
    bodies = {row["id"] for row in county.get(_url("body-list")).json()["results"]}
    assert tree.city_b.pk not in bodies and tree.county.pk in bodies
    assert {tree.province.pk, tree.city_a.pk} <= bodies  # the way up, to name the parents
    areas = plan.client("city_b_write").get(_url("area-list")).json()["results"]
    assert {row["federation"] for row in areas} <= {tree.city_b.pk, tree.province.pk}
    assert plan.city_b.area_id in {row["id"] for row in areas}


# -- writes through the pages' functions -------------------------------------------------------


def test_a_report_filed_through_the_api_shows_on_the_page_and_in_todo(plan, client):
    county = plan.client("county_write")
    answer = county.post(
        _url("report-list"),
        _report(plan.county, done_text="县总工会完成改革方案并报批。"),
        content_type="application/json",
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["review_state"] == "submitted" and body["period"] == "2026-11"
    assert body["author"] == "API：county_write"
    # the office that handed the measure down reviews it: in its 待办, and on the page
    office = plan.tree["city_a_office"]
    review = reverse("tasks:measure_detail", args=[plan.county.pk]) + "#reports"
    assert review in _todo_text(client, office)
    assert review not in _todo_text(client, plan.tree["city_b_office"])
    client.force_login(office)
    page = client.get(plan.county.get_page_url())
    assert "县总工会完成改革方案并报批。" in page.content.decode()


def _todo_text(client, user) -> str:
    client.force_login(user)
    return client.get(reverse("tasks:todo")).content.decode()


def test_a_report_is_corrected_with_its_version_and_a_stale_one_is_409(plan):
    county = plan.client("county_write")
    first = county.post(_url("report-list"), _report(plan.county), content_type="application/json")
    report = first.json()
    again = county.post(_url("report-list"), _report(plan.county), content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    assert str(report["id"]) in again.json()["message"]
    url = _url("report-detail", report["id"])
    no_version = county.patch(url, {"progress": 60}, content_type="application/json")
    assert no_version.status_code == 400 and "version" in no_version.json()["errors"]
    fixed = county.patch(
        url, {"progress": 60, "version": report["version"]}, content_type="application/json"
    )
    assert fixed.status_code == 200, fixed.content
    assert fixed.json()["progress"] == 60 and fixed.json()["done_text"] == report["done_text"]
    stale = county.patch(
        url, {"progress": 70, "version": report["version"]}, content_type="application/json"
    )
    assert stale.status_code == 409 and stale.json()["code"] == "conflict"
    assert ProgressReport.objects.get(pk=report["id"]).progress == 60
    # a sibling's key does not even see it
    other = plan.client("city_b_write").patch(
        url, {"progress": 1, "version": 2}, content_type="application/json"
    )
    assert other.status_code == 404


def test_a_report_with_bad_input_is_refused_field_by_field_and_nothing_is_saved(plan):
    county = plan.client("county_write")
    answer = county.post(
        _url("report-list"),
        _report(plan.county, progress=140, status="finished", period="2027-05"),
        content_type="application/json",
    )
    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == "invalid" and {"progress", "status"} <= set(body["errors"])
    future = county.post(
        _url("report-list"), _report(plan.county, period="2027-05"), content_type="application/json"
    )
    assert future.status_code == 400 and "period" in future.json()["errors"]
    assert "尚未开始" in future.json()["message"] or "not begun" in future.json()["message"]
    assert not ProgressReport.objects.exists()


def test_attachments_are_uploaded_listed_downloaded_and_removed(plan, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    county = plan.client("county_write")
    answer = county.post(
        _url("report-list"),
        {
            **_report(plan.county),
            "attachments": [
                SimpleUploadedFile("会议纪要.pdf", b"%PDF-1.4 minutes"),
                SimpleUploadedFile("照片.jpg", b"\xff\xd8\xff photo"),
            ],
        },
    )
    assert answer.status_code == 201, answer.content
    files = {row["name"]: row for row in answer.json()["attachments"]}
    assert set(files) == {"会议纪要.pdf", "照片.jpg"}
    download = county.get(files["会议纪要.pdf"]["download"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == (
        b"%PDF-1.4 minutes"
    )
    assert plan.client("city_b_write").get(files["照片.jpg"]["download"]).status_code == 404
    bad = county.patch(
        _url("report-detail", answer.json()["id"]),
        encode_multipart(
            BOUNDARY, {"version": 1, "attachments": [SimpleUploadedFile("病毒.exe", b"MZ")]}
        ),
        content_type=MULTIPART_CONTENT,
    )
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"
    removed = county.patch(
        _url("report-detail", answer.json()["id"]),
        {"version": 1, "remove_attachments": [files["照片.jpg"]["id"]]},
        content_type="application/json",
    )
    assert [row["name"] for row in removed.json()["attachments"]] == ["会议纪要.pdf"]


def test_an_extension_is_asked_through_the_api_once_at_a_time(plan):
    county = plan.client("county_write")
    data = {
        "measure": plan.county.pk,
        "requested_due_date": "2027-09-30",
        "reason": "县级机构改革推迟，需顺延。",
    }
    # a later date than the measure above allows is refused by the model's rule
    asked = county.post(_url("extension-request-list"), data, content_type="application/json")
    assert asked.status_code == 201, asked.content
    assert asked.json()["state"] == "pending"
    again = county.post(_url("extension-request-list"), data, content_type="application/json")
    assert again.status_code == 403 and again.json()["code"] == "refused"
    reader = plan.client("city_a_read").post(
        _url("extension-request-list"), data, content_type="application/json"
    )
    assert reader.status_code == 403 and reader.json()["code"] == "permission_denied"
    listed = plan.client("city_a_read").get(_url("extension-request-list")).json()["results"]
    assert [row["measure"] for row in listed] == [plan.county.pk]


# -- the session: people signed in to the site ---------------------------------------------


def test_a_signed_in_person_uses_the_api_with_the_session_and_csrf(plan):
    liaison = plan.tree["county_liaison"]
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(liaison)
    listed = browser.get(_url("measure-list"))
    assert listed.status_code == 200
    refused = browser.post(
        _url("report-list"), _report(plan.county), content_type="application/json"
    )
    assert refused.status_code == 403 and "CSRF" in refused.json()["message"]
    browser.get(reverse("tasks:todo"))  # any page sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    filed = browser.post(
        _url("report-list"),
        _report(plan.county),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert filed.status_code == 201, filed.content
    assert ProgressReport.objects.get().author == liaison


def test_the_schema_and_its_pages_are_served_by_the_app(plan, client):
    schema = plan.client("county_write").get(_url("schema"), {"format": "json"})
    assert schema.status_code == 200
    document = schema.json()
    assert document["openapi"].startswith("3.")
    assert "/api/v1/measures/" in document["paths"]
    assert "ApiKey" in document["components"]["securitySchemes"]
    assert client.get(_url("docs")).status_code == 302  # people sign in first
    client.force_login(plan.tree["county_liaison"])
    page = client.get(_url("docs")).content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert "cdn" not in page.lower()


# -- sync: updated_since, the cursor, deletions ---------------------------------------------


def test_sync_by_updated_since_reads_edits_and_deletions(plan, clock):
    client = plan.client("province_read")
    start = client.get(_url("measure-list")).json()["results"]
    assert len(start) == 4
    clock.shift(timedelta(hours=1))
    mark = "2026-11-24T10:30:00+08:00"
    assert client.get(_url("measure-list"), {"updated_since": mark}).json()["results"] == []
    # an edit, a milestone added to another measure, and a deletion
    plan.city_b.refresh_from_db()
    plan.city_b.owner = UserFactory(first_name="王", last_name="芳")
    plan.city_b.save()
    Milestone.objects.create(measure=plan.county, title="方案报批", due_date=date(2027, 3, 31))
    extra = MeasureFactory(area=plan.province.area, title="临时举措")
    gone = extra.pk
    extra.delete()
    changed = client.get(_url("measure-list"), {"updated_since": mark}).json()["results"]
    assert {row["id"] for row in changed} >= {plan.city_b.pk, plan.county.pk}
    assert gone not in {row["id"] for row in changed}
    county = next(row for row in changed if row["id"] == plan.county.pk)
    assert [m["title"] for m in county["milestones"]] == ["方案报批"]
    assert plan.province.pk not in {row["id"] for row in changed} or plan.province.pk in {
        row["id"] for row in changed
    }  # the roll-up may touch the measures above: they are changed too
    deletions = client.get(_url("deletion-list"), {"updated_since": mark}).json()["results"]
    assert {"kind": "measure", "object_id": gone} in [
        {"kind": row["kind"], "object_id": row["object_id"]} for row in deletions
    ]
    # a city's key hears nothing of the province's deletions
    city = plan.client("city_b_write").get(_url("deletion-list")).json()["results"]
    assert gone not in {row["object_id"] for row in city}
    # a report filed, then deleted in the admin: both reach the copy
    filed = plan.client("county_write").post(
        _url("report-list"), _report(plan.county), content_type="application/json"
    )
    reports = client.get(_url("report-list"), {"updated_since": mark}).json()["results"]
    assert [row["id"] for row in reports] == [filed.json()["id"]]
    ProgressReport.objects.filter(pk=filed.json()["id"]).delete()
    assert Deletion.objects.filter(kind="report", object_id=filed.json()["id"]).exists()


def test_the_cursor_pages_through_every_row_once_in_the_order_they_changed(plan, clock):
    for number in range(7):
        clock.shift(timedelta(minutes=1))
        MeasureFactory(area=plan.province.area, title=f"举措{number}")
    client = plan.client("province_read")
    seen, url, pages = [], _url("measure-list") + "?limit=3", 0
    while url:
        page = client.get(url).json()
        seen += [row["id"] for row in page["results"]]
        url, pages = page["next"], pages + 1
        # a row changed while the client pages moves to the end, where it is met again
        if pages == 1:
            clock.shift(timedelta(minutes=1))
            touched = Measure.objects.get(pk=seen[0])
            touched.save()
    assert pages == 4
    assert seen[0] == seen[-1] and len(set(seen)) == 11
    stamps = [Measure.objects.get(pk=pk).updated_at for pk in seen[1:]]
    assert stamps == sorted(stamps)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"updated_since": "yesterday"}, "updated_since"),
        ({"updated_since": "0001-01-01T00:00:00+23:59"}, "updated_since"),
        ({"cursor": "MDAwMS0wMS0wMVQwMDowMDowMHw5OTk5OTk5OTk5OTk5OTk5OTk5OTk5"}, "cursor"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"limit": "0"}, "limit"),
        ({"limit": "100000"}, "limit"),
        ({"light": "purple"}, "light"),
        ({"due_after": "2026-13-40"}, "due"),
    ],
)
def test_bad_filters_in_the_url_get_a_clear_400(plan, query, field):
    answer = plan.client("province_read").get(_url("measure-list"), query)
    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == "invalid"
    assert any(name.startswith(field) for name in body["errors"])


def test_the_task_books_filters_select_the_same_measures(plan, client):
    plan.county.refresh_from_db()
    client.force_login(plan.tree["province_office"])
    for query in [
        {"federation": plan.tree.city_a.pk},
        {"federation": plan.tree.county.pk, "q": "县级"},
        {"lead_body": plan.tree.city_b.pk},
        {"light": "green"},
    ]:
        listed = plan.client("province_read").get(_url("measure-list"), query)
        assert listed.status_code == 200, listed.content.decode()
        api = {row["id"] for row in listed.json()["results"]}
        page = client.get(reverse("tasks:measure_list"), query)
        shown = {measure.pk for measure in page.context["page"].object_list}
        if "federation" in query:
            assert api == shown, query
        else:
            assert shown <= api, query  # the task book shows the province's own plan first


# -- errors, limits, the log ------------------------------------------------------------------


def test_errors_before_the_view_are_json_too(plan):
    client = plan.client("province_read")
    nul = client.get(_url("measure-list") + "?q=%00")
    assert nul.status_code == 400 and nul.json()["code"] == "bad_request"
    missing = client.get("/api/v1/nothing-here/")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    for address in ["/api/v1/measures/null,null/", "/api/v1/measures/99999999999999999999/"]:
        odd = client.get(address)
        assert odd.status_code == 404 and odd.json()["code"] == "not_found", address
    wrong_method = plan.client("county_write").delete(_url("measure-detail", plan.county.pk))
    assert wrong_method.status_code == 405 and wrong_method.json()["code"] == "method_not_allowed"


def test_each_key_has_its_own_rate_limit(plan, monkeypatch):
    monkeypatch.setitem(PerClientThrottle.THROTTLE_RATES, "client", "3/minute")
    county = plan.client("county_write")
    answers = [county.get(_url("federation-list")).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    throttled = county.get(_url("federation-list"))
    assert throttled.json()["code"] == "throttled" and "Retry-After" in throttled
    # another key counts its own calls
    assert plan.client("city_b_write").get(_url("federation-list")).status_code == 200


def test_every_call_is_logged_with_the_keys_name(plan, caplog):
    with caplog.at_level(logging.INFO, logger="tasks.api"):
        plan.client("city_b_write").get(_url("measure-list"))
        Client(HTTP_AUTHORIZATION="Api-Key 0000.wrong").get(_url("measure-list"))
    lines = [r.getMessage() for r in caplog.records if r.name == "tasks.api"]
    assert any(
        "city_b_write" in line and "/api/v1/measures/" in line and "200" in line for line in lines
    )
    assert any("anonymous" in line and "401" in line for line in lines)


def test_a_list_costs_the_same_queries_for_few_and_many_measures(plan):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = plan.client("province_read")

    def cost() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(_url("measure-list")).status_code == 200
        return len(captured)

    cost()  # the key's first call of the minute notes when it was used
    few = cost()
    for number in range(12):
        measure = MeasureFactory(area=plan.province.area, title=f"举措{number}")
        measure.cooperating_bodies.add(plan.tree.department)
        Milestone.objects.create(measure=measure, title="节点", due_date=date(2026, 12, 31))
    assert cost() == few


def test_the_key_account_of_a_deleted_key_can_no_longer_act(plan, superuser, client):
    key = ApiKey.objects.get(name="county_write")
    client.force_login(superuser)
    client.post(reverse("admin:tasks_apikey_delete", args=[key.pk]), {"post": "yes"})
    assert not ApiKey.objects.filter(pk=key.pk).exists()
    key.user.refresh_from_db()
    assert not key.user.is_active


def test_a_key_must_belong_to_a_federation(plan):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        ApiKey.objects.issue(name="部门", federation=plan.tree.department)
    assert not ApiKey.objects.filter(name="部门").exists()
    assert ResponsibleBody.objects.filter(name="省人社厅").exists()
    assert Group.objects.filter(name=roles.LIAISON).exists()


def test_the_accounts_of_keys_are_never_among_the_people_told(plan):
    from tasks import federations
    from tasks.reporting.table import liaisons_prefetch

    tree = plan.tree
    accounts = set(ApiKey.objects.values_list("user", flat=True))
    for federation in (tree.province, tree.city_a, tree.county):
        for role in roles.ALL:
            assert not accounts & set(
                federations.office(federation.pk, role).values_list("pk", flat=True)
            )
    bodies = ResponsibleBody.objects.filter(pk=tree.county.pk).prefetch_related(
        liaisons_prefetch("members")
    )
    assert [user.username for user in bodies[0].liaisons] == ["county_liaison"]
    # yet the write key acts as the county's liaison when it files
    assert (
        plan.client("county_write")
        .post(_url("report-list"), _report(plan.county), content_type="application/json")
        .status_code
        == 201
    )


@pytest.mark.parametrize(
    ("key", "status"),
    [
        ("county_write", 200),  # the county's own liaison
        ("city_a_write", 200),  # 甲市's liaison acts for the bodies below it too
        ("city_a_read", 403),  # sees it, may not change it
        ("province_read", 403),
        ("city_b_write", 404),  # another branch: not said to exist
    ],
)
def test_who_may_correct_a_report_filed_through_the_api(plan, key, status):
    filed = plan.client("county_write").post(
        _url("report-list"), _report(plan.county), content_type="application/json"
    )
    url = _url("report-detail", filed.json()["id"])
    answer = plan.client(key).patch(
        url, {"progress": 55, "version": 1}, content_type="application/json"
    )
    assert answer.status_code == status, answer.content
    progress = ProgressReport.objects.get(pk=filed.json()["id"]).progress
    assert progress == (55 if status == 200 else 40)


def test_messages_follow_the_callers_language(plan):
    answer = Client(HTTP_AUTHORIZATION="Api-Key 0000.wrong", HTTP_ACCEPT_LANGUAGE="en").get(
        _url("measure-list")
    )
    assert answer.json()["code"] == "authentication_failed"
    assert "not known or no longer active" in answer.json()["message"]
