"""A chart's sources travel with it from its builder to every download (issue 30, item 2):
the web never recovers them from the chart's text."""

from __future__ import annotations

import pytest

from milex.present import figures
from milex.web.charting import chart_spec

NAMED = [n for n in figures.CHARTS if n not in {"country", "sipri-country"}]


@pytest.mark.parametrize("name", NAMED)
def test_the_served_spec_cites_what_its_builder_cited(dataset, name):
    built = figures.build(name, country=None, year=None, dataset=dataset).to_dict()
    served = chart_spec(dataset, name, country=None, year=None)
    assert served["usermeta"]["milex"]["chart"] == name
    assert served["usermeta"]["milex"]["sources"] == built["usermeta"]["milex"]["sources"]
    assert served["usermeta"]["milex"]["sources"], f"{name} cites no source"


def test_an_edition_named_in_a_title_is_not_taken_for_a_source(dataset, monkeypatch):
    class Titled:
        def to_dict(self):
            return {
                "title": {"text": "As in SIPRI 2025-04 (1949-2024)"},
                "usermeta": {"milex": {"sources": [{"source": "nato", "edition": "x"}]}},
            }

    monkeypatch.setattr(figures, "build", lambda *a, **k: Titled())
    served = chart_spec(dataset, "tracker", country=None, year=None)
    assert served["usermeta"]["milex"]["sources"] == [{"source": "nato", "edition": "x"}]
