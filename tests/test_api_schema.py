"""schemathesis: requests generated from the OpenAPI schema never get a 5xx, and every
answer matches the schema (status codes, bodies, content types).

The operations are driven from a plain test with hypothesis rather than through
schemathesis' pytest plugin (``schemathesis.pytest.from_fixture``), whose lazy
collection reads a pytest-internal attribute that pytest 9.2 removed.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api.app import create_app
from api.settings import Settings
from api.store import ApiStore

#: Every operation the service documents; a new route without a case here fails the test.
OPERATIONS = [
    "POST /v1/score",
    "POST /v1/score/batch",
    "POST /v1/check-url",
    "GET /v1/pages/{page_id}",
    "POST /v1/feedback",
    "GET /v1/model",
    "GET /healthz",
    "GET /readyz",
    "GET /metrics",
]


@pytest.fixture(scope="module")
def keyed_schema(tmp_path_factory, scorer):
    """(the app's schema, a moderator key): auth on, so a request without it must get 401."""
    store = f"sqlite:///{tmp_path_factory.mktemp('schema') / 'api.db'}"
    key = ApiStore(store).create_key("moderator", "schemathesis")
    app = create_app(Settings(store=store, rate_limit=0), scorer=scorer)
    return schemathesis.openapi.from_asgi("/openapi.json", app), key


def test_the_schema_lists_every_operation(keyed_schema):
    schema, _ = keyed_schema
    labels = sorted(result.ok().label for result in schema.get_all_operations())
    assert labels == sorted(OPERATIONS)


@pytest.mark.parametrize("label", OPERATIONS)
def test_no_server_error_and_answers_match_the_schema(keyed_schema, label):
    schema, key = keyed_schema
    operation = schema.find_operation_by_label(label)

    @given(case=operation.as_strategy())
    @settings(
        max_examples=25,
        derandomize=True,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def check(case):
        # Not checked: that every schema-valid request is accepted. Some are refused on
        # purpose for what a schema cannot say: an empty text, both text and html, an
        # unfetchable URL.
        case.call_and_validate(
            headers={"Authorization": f"Bearer {key}"},
            excluded_checks=[positive_data_acceptance],
        )

    check()
