"""The API's pages in a real browser: Swagger UI from the app's own files (no request leaves the
server, nothing the Content-Security-Policy blocks), and a signed-in liaison calling the API
with the site's session — a read, and a report filed with the CSRF token, as the site's own
scripts would."""

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from tasks import roles
from tasks.models import ProgressReport, ResponsibleBody
from tests.browser.conftest import log_in, shot
from tests.factories import MeasureFactory, ResponsibleBodyFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_swagger_ui_is_served_by_the_app_and_the_session_calls_the_api(live_server, page):
    for name in roles.ALL:
        Group.objects.get_or_create(name=name)
    union = ResponsibleBodyFactory(name="江东省总工会", kind=ResponsibleBody.Kind.UNION)
    liaison = UserFactory(
        username="lianluo", first_name="联络员", groups=[Group.objects.get(name=roles.LIAISON)]
    )
    union.members.add(liaison)
    measure = MeasureFactory(title="推进产业工人队伍建设改革", lead_body=union)
    base = live_server.url
    outside, blocked = [], []
    page.on(
        "request",
        lambda request: None if request.url.startswith(base) else outside.append(request.url),
    )
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    log_in(page, base, "lianluo")
    page.goto(f"{base}/api/v1/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("工会改革任务台账 API")
    expect(
        page.locator(".opblock-summary-path", has_text="/api/v1/measures/").first
    ).to_be_visible()
    shot(page, "api-docs")
    listed = page.evaluate(
        """async () => {
            const answer = await fetch('/api/v1/measures/');
            return {status: answer.status, body: await answer.json()};
        }"""
    )
    assert listed["status"] == 200
    assert [row["title"] for row in listed["body"]["results"]] == [measure.title]
    filed = page.evaluate(
        """async (measure) => {
            const token = document.cookie.split('; ')
                .find((pair) => pair.startsWith('csrftoken=')).split('=')[1];
            const answer = await fetch('/api/v1/reports/', {
                method: 'POST',
                headers: {'Content-Type': 'application/json', 'X-CSRFToken': token},
                body: JSON.stringify({measure, progress: 30, status: 'in_progress',
                                      done_text: '完成调研'}),
            });
            return {status: answer.status, body: await answer.json()};
        }""",
        measure.pk,
    )
    assert filed["status"] == 201, filed
    assert ProgressReport.objects.get().author == liaison
    assert outside == [] and blocked == []
