"""The jobs API: the resource that API keys and sessions protect."""

from __future__ import annotations

import pytest

from tests.conftest import ApiClient, assert_error, data_of

JOB = {
    "name": "resnet",
    "image": "pytorch/pytorch:2.4",
    "command": ["python", "train.py"],
    "gpu_type": "a100",
    "gpu_count": 2,
}


def create(client: ApiClient, body: dict | None = None, **headers):
    return client.send("POST", "/api/v1/jobs/", body or JOB, **headers)


def test_create_and_get_job(logged_in: ApiClient, owner) -> None:
    job = data_of(create(logged_in), 201)

    fetched = data_of(logged_in.get(f"/api/v1/jobs/{job['id']}/"))

    assert fetched == job
    assert job["status"] == "queued"
    assert job["created_by"] == owner.user.pk
    assert job["organization_id"] == owner.organization.pk


def test_job_ids_are_random(logged_in: ApiClient) -> None:
    ids = [data_of(create(logged_in), 201)["id"] for _ in range(3)]

    assert all(i.startswith("job_") and len(i) == 26 for i in ids)
    assert ids != sorted(ids) or ids != sorted(ids, reverse=True) or len(set(ids)) == 3


def test_list_jobs_pages_with_cursor(logged_in: ApiClient) -> None:
    created = [data_of(create(logged_in), 201)["id"] for _ in range(5)]

    first = logged_in.get("/api/v1/jobs/?limit=2").json()
    second = logged_in.get(
        f"/api/v1/jobs/?limit=2&cursor={first['pagination']['next_cursor']}"
    ).json()
    third = logged_in.get(
        f"/api/v1/jobs/?limit=2&cursor={second['pagination']['next_cursor']}"
    ).json()

    listed = [j["id"] for page in (first, second, third) for j in page["data"]]
    assert listed == list(reversed(created))
    assert first["pagination"]["has_more"] is True
    assert third["pagination"] == {"next_cursor": None, "has_more": False}


def test_list_jobs_filters_by_status(logged_in: ApiClient) -> None:
    keep = data_of(create(logged_in), 201)["id"]
    cancelled = data_of(create(logged_in), 201)["id"]
    logged_in.send("POST", f"/api/v1/jobs/{cancelled}/cancel/")

    listed = data_of(logged_in.get("/api/v1/jobs/?status=queued"))

    assert [j["id"] for j in listed] == [keep]


@pytest.mark.parametrize(
    "query",
    ["status=exploded", "limit=0", "limit=100000", "cursor=%%%", "cursor=bm90IGpzb24"],
    ids=[
        "bad-status",
        "zero-limit",
        "huge-limit",
        "bad-cursor-chars",
        "bad-cursor-json",
    ],
)
def test_list_jobs_rejects_bad_query(logged_in: ApiClient, query: str) -> None:
    assert_error(logged_in.get(f"/api/v1/jobs/?{query}"), 400, "validation_error")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("gpu_count", 0),
        ("gpu_count", 1000),
        ("name", ""),
        ("image", "x" * 501),
        ("command", "ls"),
    ],
    ids=["zero-gpus", "too-many-gpus", "empty-name", "long-image", "command-not-list"],
)
def test_create_job_validates_fields(
    logged_in: ApiClient, field: str, value: object
) -> None:
    error = assert_error(
        create(logged_in, {**JOB, field: value}), 400, "validation_error"
    )

    assert error["details"][0]["field"].startswith(field)


def test_idempotency_key_returns_first_job(logged_in: ApiClient) -> None:
    first = create(logged_in, HTTP_IDEMPOTENCY_KEY="retry-1")
    second = create(logged_in, HTTP_IDEMPOTENCY_KEY="retry-1")

    assert first.status_code == 201
    assert second.status_code == 200
    assert data_of(second)["id"] == data_of(first, 201)["id"]
    assert len(data_of(logged_in.get("/api/v1/jobs/"))) == 1


def test_idempotency_key_reuse_with_other_body(logged_in: ApiClient) -> None:
    create(logged_in, HTTP_IDEMPOTENCY_KEY="retry-2")

    response = create(
        logged_in, {**JOB, "name": "other"}, HTTP_IDEMPOTENCY_KEY="retry-2"
    )

    assert_error(response, 422, "idempotency_key_reused")


def test_cancel_job_then_cancel_again(logged_in: ApiClient) -> None:
    job_id = data_of(create(logged_in), 201)["id"]

    cancelled = data_of(logged_in.send("POST", f"/api/v1/jobs/{job_id}/cancel/"))

    assert cancelled["status"] == "cancelled"
    assert cancelled["finished_at"] is not None
    assert_error(
        logged_in.send("POST", f"/api/v1/jobs/{job_id}/cancel/"), 409, "conflict"
    )


def test_scheduler_moves_job_through_statuses(logged_in: ApiClient) -> None:
    job_id = data_of(create(logged_in), 201)["id"]
    path = f"/api/v1/jobs/{job_id}/status/"

    running = data_of(logged_in.send("POST", path, {"status": "running"}))
    done = data_of(
        logged_in.send("POST", path, {"status": "succeeded", "message": "ok"})
    )

    assert running["started_at"] is not None
    assert done["status"] == "succeeded"
    assert_error(logged_in.send("POST", path, {"status": "running"}), 409, "conflict")


def test_other_organizations_job_is_404(logged_in: ApiClient, make_account) -> None:
    stranger = make_account("stranger@example.com")
    other = ApiClient()
    other.login_as(stranger)
    job_id = data_of(create(other), 201)["id"]

    assert_error(logged_in.get(f"/api/v1/jobs/{job_id}/"), 404, "not_found")
    assert_error(
        logged_in.send("POST", f"/api/v1/jobs/{job_id}/cancel/"), 404, "not_found"
    )
    assert_error(logged_in.get("/api/v1/jobs/job_doesnotexist/"), 404, "not_found")
    assert data_of(logged_in.get("/api/v1/jobs/")) == []


def test_viewer_cannot_create_job(client: ApiClient, owner, add_member) -> None:
    viewer = add_member(owner.organization, "viewer")
    client.login_as(viewer)

    error = assert_error(create(client), 403, "insufficient_permissions")

    assert error["permission"] == "jobs:write"
    assert "jobs:write" in error["message"]
    assert data_of(client.get("/api/v1/jobs/")) == []


def test_member_cannot_set_status(client: ApiClient, owner, add_member) -> None:
    member = add_member(owner.organization, "member")
    client.login_as(member)
    job_id = data_of(create(client), 201)["id"]

    response = client.send(
        "POST", f"/api/v1/jobs/{job_id}/status/", {"status": "running"}
    )

    assert (
        assert_error(response, 403, "insufficient_permissions")["permission"]
        == "jobs:schedule"
    )


def test_jobs_need_authentication(client: ApiClient) -> None:
    assert_error(client.get("/api/v1/jobs/"), 401, "authentication_required")


def test_session_mutation_needs_csrf(logged_in: ApiClient) -> None:
    response = logged_in.post("/api/v1/jobs/", JOB, content_type="application/json")

    assert_error(response, 403, "csrf_token_missing")


def test_organization_header_selects_membership(
    client: ApiClient, owner, make_account
) -> None:
    from trainwave.server.accounts.models import Membership

    second = make_account("second@example.com")
    Membership.objects.create(
        user=owner.user, organization=second.organization, role="viewer"
    )
    client.login_as(owner)

    default = data_of(client.get("/api/v1/auth/test/"))
    chosen = data_of(
        client.get("/api/v1/auth/test/", HTTP_X_ORGANIZATION=second.organization.slug)
    )

    assert default["organization"]["id"] == owner.organization.pk
    assert chosen["organization"]["id"] == second.organization.pk
    assert chosen["role"] == "viewer"
    assert_error(
        client.get("/api/v1/auth/test/", HTTP_X_ORGANIZATION="nope"), 404, "not_found"
    )
