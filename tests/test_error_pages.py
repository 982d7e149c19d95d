"""The server-error page: in the user's language, without the database or a logged-in user."""

from django.template.loader import render_to_string
from django.utils import translation


def test_the_500_page_renders_on_its_own():
    html = render_to_string("500.html")  # no request, no user, no database
    assert "服务器" in html and 'href="/"' in html
    with translation.override("en"):
        assert "The server could not answer" in render_to_string("500.html")
