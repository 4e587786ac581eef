"""The test harness behaves like production where it matters."""

from tests.factories import make_user


def test_each_request_loads_the_signed_in_user_afresh(client, login):
    first = make_user()
    second = make_user()
    login(first)
    client.post("/account/logout")
    login(second)
    assert second.email in client.get("/dashboard").get_data(as_text=True)


def test_a_second_client_is_not_signed_in_by_the_first(app, client, login):
    login(make_user())
    other = app.test_client()
    response = other.get("/dashboard")
    assert response.status_code == 302
    assert "/account/login" in response.headers["Location"]
