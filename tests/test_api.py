"""The scoring API in process (FastAPI's TestClient): every endpoint, its errors, auth, limits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app as cli
from api.store import ApiStore
from classifier.extra import extra_examples
from tests.api_support import INFORMATIONAL, SOLICITATION, api_client


@pytest.fixture(scope="module")
def client(tmp_path_factory, scorer):
    with api_client(tmp_path_factory.mktemp("api"), scorer) as c:
        yield c


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    assert body["error"]["code"] and body["error"]["message"], body
    return body["error"]


def test_score_text_gives_the_result_with_offsets_into_the_text(client, scorer):
    response = client.post("/v1/score", json={"text": SOLICITATION})
    assert response.status_code == 200
    result = response.json()
    assert result == scorer.score(text=SOLICITATION)  # the API adds nothing, drops nothing
    assert result["suggestion"] in ("review", "block") and result["label"] == "solicitation"
    wechat = [c for c in result["contacts"] if c["kind"] == "wechat"]
    assert wechat and wechat[0]["value"] == "hs_8899"
    for c in result["contacts"]:
        assert SOLICITATION[c["start"] : c["end"]] == c["text"]
    for signal in result["signals"]:
        for span in signal["spans"]:
            assert SOLICITATION[span["start"] : span["end"]] == span["text"]


def test_score_html_points_at_the_soliciting_footer(client):
    article = "".join(
        f"<p>第{i}段：话费卡回收要走正规平台，核对面值与到账时间，保留订单记录。</p>"
        for i in range(12)
    )
    html = (
        f"<html><body><main>{article}</main>"
        "<footer>合作请加微信 kk_5566 ，私下转账秒结，押金先付</footer></body></html>"
    )
    result = client.post("/v1/score", json={"html": html, "url": "http://x.example/a"}).json()
    assert result["label"] == "solicitation"
    assert result["blocks"][0]["place"] == "footer"


def test_an_informational_text_passes(client):
    result = client.post("/v1/score", json={"text": INFORMATIONAL}).json()
    assert result["label"] != "solicitation" and result["suggestion"] == "pass"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{not json", 400, "bad_json"),
        (b"", 422, "invalid_request"),
        (b"[]", 422, "invalid_request"),
        (json.dumps({"text": ""}).encode(), 422, "input_rejected"),
        (json.dumps({"text": "\x00\x01\x02  \n"}).encode(), 422, "input_rejected"),
        (
            json.dumps({"html": "<html><body><script>x()</script></body></html>"}).encode(),
            422,
            "input_rejected",
        ),
        (json.dumps({"text": "a", "html": "<p>b</p>"}).encode(), 422, "invalid_request"),
        (json.dumps({}).encode(), 422, "invalid_request"),
        (json.dumps({"text": 5}).encode(), 422, "invalid_request"),
        (json.dumps({"text": "ok", "colour": "red"}).encode(), 422, "invalid_request"),
        (
            json.dumps({"text": "回" * 1_000_001}, ensure_ascii=False).encode(),
            422,
            "input_rejected",
        ),
        (b"\xff\xfe\x00binary", 400, "bad_request"),
    ],
)
def test_bad_score_requests_get_a_json_error_with_a_code(client, body, status, code):
    response = client.post("/v1/score", content=body, headers={"content-type": "application/json"})
    assert response.status_code == status, response.text
    assert error_of(response)["code"] == code


def test_a_body_over_the_limit_is_refused_before_parsing(client):
    big = b'{"text": "' + b"a" * 8_100_000 + b'"}'
    response = client.post("/v1/score", content=big, headers={"content-type": "application/json"})
    assert response.status_code == 413 and error_of(response)["code"] == "too_large"


def test_batch_scores_every_good_item_in_order_and_names_the_bad_ones(client, scorer):
    items = [
        {"id": "a", "text": SOLICITATION},
        {"id": 2, "text": ""},
        {"html": "<p>回收话费卡请走官方渠道。</p>"},
        "not an object",
        {"id": "e", "text": "x", "html": "<p>y</p>"},
        {"id": [1], "text": "x"},
        {"id": "g", "text": INFORMATIONAL},
    ]
    response = client.post("/v1/score/batch", json={"items": items})
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["index"] for r in results] == list(range(len(items)))
    assert results[0]["id"] == "a" and results[0]["result"] == scorer.score(text=SOLICITATION)
    assert results[1]["error"]["code"] == "input_rejected" and results[1]["id"] == 2
    assert results[2]["result"]["label"] in ("informational", "platform", "solicitation")
    assert results[3]["error"]["code"] == "invalid_request"
    assert "exactly one" in results[4]["error"]["message"]
    assert results[5]["error"]["code"] == "invalid_request"
    assert results[6]["result"] == scorer.score(text=INFORMATIONAL)


def test_batch_limits(client):
    too_many = client.post("/v1/score/batch", json={"items": [{"text": "回收"}] * 101})
    assert too_many.status_code == 422 and error_of(too_many)["code"] == "too_many_items"
    too_big = client.post("/v1/score/batch", json={"items": [{"text": "a" * 2_100_000}]})
    assert too_big.status_code == 413 and error_of(too_big)["code"] == "too_large"
    empty = client.post("/v1/score/batch", json={"items": []})
    assert empty.status_code == 422 and error_of(empty)["code"] == "invalid_request"


def test_feedback_on_a_text_is_stored_with_who_and_when(client):
    response = client.post(
        "/v1/feedback", json={"text": SOLICITATION, "label": "solicitation", "note": "加微信引流"}
    )
    assert response.status_code == 201
    saved = response.json()
    assert saved["label"] == "solicitation" and saved["by"].startswith("anonymous@")
    store = ApiStore(client.app.state.service.settings.store)
    row = next(r for r in store.iter_feedback() if r["id"] == saved["id"])
    assert row["text"] == SOLICITATION and row["note"] == "加微信引流"


def test_exported_feedback_is_a_training_file(tmp_path, scorer):
    """Moderators' verdicts -> `scamscan feedback export` -> what `train --add` learns from."""
    verdicts = [(SOLICITATION, "solicitation"), (INFORMATIONAL, "informational")]
    with api_client(tmp_path, scorer) as client:
        for text, label in verdicts:
            response = client.post("/v1/feedback", json={"text": text, "label": label})
            assert response.status_code == 201
        store = client.app.state.service.settings.store
    out = tmp_path / "feedback.jsonl"
    run = CliRunner().invoke(cli, ["feedback", "export", "--store", store, "--out", str(out)])
    assert run.exit_code == 0, run.output
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [(r["text"], r["label"]) for r in rows] == verdicts
    assert all(r["by"] and r["at"] and r["model_version"] for r in rows)
    examples = extra_examples(out)
    assert [(e.doc.text, e.label) for e in examples] == verdicts


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"page_id": 999999, "label": "solicitation"}, 404),
        ({"text": "x", "label": "scam"}, 422),
        ({"text": "x", "page_id": 1, "label": "platform"}, 422),
        ({"label": "platform"}, 422),
        ({"text": "   ", "label": "platform"}, 422),
        ({"text": "x", "label": "platform", "note": "n" * 5000}, 422),
    ],
)
def test_bad_feedback_is_refused_with_a_reason(client, body, status):
    response = client.post("/v1/feedback", json=body)
    assert response.status_code == status
    error_of(response)


def test_pages_of_unknown_or_malformed_ids(client):
    assert client.get("/v1/pages/424242").status_code == 404
    for bad in ("abc", "0", "-1", "99999999999999999999999"):
        response = client.get(f"/v1/pages/{bad}")
        assert response.status_code == 422, bad
        error_of(response)


def test_model_card_health_and_readiness(client, scorer):
    model = client.get("/v1/model").json()
    assert model["version"] == scorer.version
    assert 0 < model["thresholds"]["review"] <= model["thresholds"]["block"] <= 1
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready" and ready["model"] == scorer.version


def test_metrics_count_requests_by_route_and_scores_by_suggestion(client):
    client.post("/v1/score", json={"text": SOLICITATION})
    client.get("/no/such/path/12345")
    text = client.get("/metrics").text
    assert 'scamscan_http_requests_total{method="POST",route="/v1/score",status="200"}' in text
    assert "scamscan_http_request_duration_seconds_bucket" in text
    assert 'scamscan_scores_total{suggestion="' in text
    assert "/no/such/path" not in text  # unmatched paths share one label


def test_unknown_routes_and_methods_answer_in_json(client):
    assert error_of(client.get("/v2/nothing"))["code"] == "not_found"
    assert error_of(client.get("/v1/score"))["code"] == "method_not_allowed"


def test_openapi_documents_every_endpoint(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/v1/score", "/v1/score/batch", "/v1/check-url", "/v1/pages/{page_id}",
                 "/v1/feedback", "/v1/model", "/healthz", "/readyz", "/metrics"):  # fmt: skip
        assert path in paths
    assert client.get("/docs").status_code == 200


# --- keys, roles, rate limits -------------------------------------------------------------


@pytest.fixture
def keyed(tmp_path: Path):
    """A store with a moderator key, a client key and a revoked key."""
    store = ApiStore(f"sqlite:///{tmp_path / 'api.db'}")
    keys = {
        "moderator": store.create_key("moderator", "Wang"),
        "client": store.create_key("client", "batch-job"),
        "revoked": store.create_key("client", "old"),
        "slow": store.create_key("client", "slow", rate=0.01),
    }
    store.revoke_key(keys["revoked"].split("_")[1])
    return tmp_path, keys


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_with_keys_every_v1_request_needs_a_valid_one(keyed, scorer):
    tmp_path, keys = keyed
    with api_client(tmp_path, scorer, allow_open=True) as c:  # keys exist: auth is on anyway
        assert c.post("/v1/score", json={"text": "回收"}).status_code == 401
        for token in (keys["revoked"], "ssk_nope_nope", "garbage", keys["client"] + "x"):
            response = c.post("/v1/score", json={"text": "回收"}, headers=bearer(token))
            assert response.status_code == 401, token
            assert response.headers["www-authenticate"] == "Bearer"
        assert (
            c.post("/v1/score", json={"text": "回收"}, headers=bearer(keys["client"])).status_code
            == 200
        )
        assert c.get("/healthz").status_code == 200  # probes need no key


def test_feedback_needs_a_moderator_key_and_records_who(keyed, scorer):
    tmp_path, keys = keyed
    with api_client(tmp_path, scorer) as c:
        body = {"text": SOLICITATION, "label": "solicitation"}
        refused = c.post("/v1/feedback", json=body, headers=bearer(keys["client"]))
        assert refused.status_code == 403 and error_of(refused)["code"] == "forbidden"
        saved = c.post("/v1/feedback", json=body, headers=bearer(keys["moderator"]))
        assert saved.status_code == 201
        assert saved.json()["by"] == f"{keys['moderator'].split('_')[1]} (Wang)"


def test_a_key_over_its_rate_gets_429_with_retry_after(keyed, scorer):
    tmp_path, keys = keyed
    with api_client(tmp_path, scorer, rate_burst=2) as c:
        codes = [c.get("/v1/model", headers=bearer(keys["slow"])).status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        limited = c.get("/v1/model", headers=bearer(keys["slow"]))
        assert error_of(limited)["code"] == "rate_limited"
        assert int(limited.headers["retry-after"]) >= 1
        # Another key is not held back by this one.
        assert c.get("/v1/model", headers=bearer(keys["client"])).status_code == 200


def test_without_keys_and_without_open_mode_everything_is_refused(tmp_path, scorer):
    with api_client(tmp_path, scorer, allow_open=False) as c:
        response = c.post("/v1/score", json={"text": "回收"})
        assert (
            response.status_code == 401 and "scamscan keys create" in error_of(response)["message"]
        )
