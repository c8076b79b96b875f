from tests.apikeys.conftest import with_key
from tests.conftest import ApiClient, data_of


def test_key_round_trip(issue, client: ApiClient) -> None:
    key = issue("first", permissions=["jobs:read"])

    data = data_of(client.get("/api/v1/auth/test/", **with_key(key["secret"])))

    assert data["method"] == "api_key"
    assert data["key"]["id"] == key["id"]
    assert data["permissions"] == ["jobs:read"]
