"""One page or one of its regions, from the same URL."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django_htmx.middleware import HtmxDetails

from thuladmin.partials import page_or_partial


def _request(**headers):
    request = RequestFactory().get("/", headers=headers)
    request.htmx = HtmxDetails(request)
    return request


@pytest.mark.parametrize(
    ("headers", "template_name"),
    [
        ({}, "audit/index.html"),
        ({"HX-Request": "true"}, "audit/index.html#results"),
        ({"HX-Request": "true", "HX-History-Restore-Request": "true"}, "audit/index.html"),
    ],
)
def test_htmx_gets_the_partial_and_the_answer_varies_on_it(headers, template_name):
    response = page_or_partial(_request(**headers), "audit/index.html", "results", {})

    assert response.template_name == template_name
    assert "HX-Request" in response["Vary"]
