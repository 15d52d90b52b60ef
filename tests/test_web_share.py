"""A view names itself for sharing (issue 32, item 5): its own description, its PNG as og:image
and a link with its settings to copy, all as absolute URLs another site can use."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from milex.web import create_app


@pytest.fixture(scope="module")
def client(dataset):
    return TestClient(create_app(dataset), base_url="http://127.0.0.1")


def test_a_chart_view_names_itself_for_sharing_with_its_own_image(client):
    page = client.get("/charts/tracker?year=2025").text
    image = re.search(r'<meta property="og:image" content="([^"]+)">', page)
    assert image and image[1] == "http://127.0.0.1/chart/tracker.png?year=2025"
    drawn = client.get(image[1])
    assert drawn.status_code == 200 and drawn.headers["content-type"] == "image/png"
    description = re.search(r'<meta name="description" content="([^"]+)">', page)
    assert description and "2025" in description[1] and "Sources and editions" in description[1]
    assert 'data-copy="http://127.0.0.1/charts/tracker?year=2025"' in page


def test_every_page_has_a_description_even_without_its_own(client):
    page = client.get("/sources").text
    assert re.search(r'<meta name="description" content="[^"]{40,}">', page)
    assert 'property="og:image"' not in page  # no image is better than a wrong one
