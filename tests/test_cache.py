"""The public cache: a write renews what shows it and nothing else, one computation per answer
at a time (threads; in one process and through Redis), and the gzipped exports."""

import gzip
import threading
import time
from datetime import date

import pytest

from portal.core.cache import PublicCache
from portal.models.publicdata import public_tokens
from portal.pledges import service as pledges
from tests import factories

REDIS_URL = "redis://127.0.0.1:6379/3"


def _redis():
    from redis import Redis

    client = Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except Exception:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    client.flushdb()
    return client


@pytest.fixture(params=["process", "redis"])
def cache(request, app):
    redis = _redis() if request.param == "redis" else None
    return PublicCache(limit=100, refresh=3.0, redis=redis, prefix="test:")


def test_a_progress_update_renews_only_what_shows_it(client, db):
    rep = factories.make_user()
    de = factories.make_member("Görlitz", country="DE", representatives=[rep])
    other_de = factories.make_member("Zittau", country="DE")
    fr = factories.make_member("Lyon", country="FR")
    action = factories.make_action(de)
    scopes = [
        f"member:{de.slug}",
        f"member:{other_de.slug}",
        f"member:{fr.slug}",
        "members:DE",
        "members:FR",
        "members:*",
        "actions:DE",
        "actions:FR",
        "actions:*",
    ]
    before = dict(public_tokens(db.session, scopes))
    pledges.add_progress(rep, action, date.today(), "Works begun.", 20, "in_progress")
    after = dict(public_tokens(db.session, scopes))
    changed = {name for name in scopes if before[name] != after[name]}
    assert changed == {f"member:{de.slug}", "actions:DE", "actions:*"}
    # The pages show it at once; the French list is served as it was kept.
    assert "Works begun." in client.get(f"/members/{de.slug}").get_data(as_text=True)


def test_a_member_change_shows_at_once_in_its_page_the_directory_and_the_api(client, db):
    member = factories.make_member("Oldtown", country="SI", population=100)
    for path in (f"/members/{member.slug}", "/members?country=SI", "/api/v1/members"):
        assert "Oldtown" in client.get(path).get_data(as_text=True)
    member.name = "Newtown"
    member.name_key = "newtown"
    db.session.commit()
    for path in (f"/members/{member.slug}", "/members?country=SI", "/api/v1/members"):
        text = client.get(path).get_data(as_text=True)
        assert "Newtown" in text and "Oldtown" not in text, path


def test_a_change_in_germany_leaves_french_answers_kept(app, client, db):
    de = factories.make_member("Görlitz", country="DE")
    factories.make_member("Lyon", country="FR")
    client.get("/members?country=FR")
    client.get("/api/v1/members?country=FR")
    cache = app.extensions["public_cache"]
    computed = cache.computations
    de.population = 12345
    db.session.commit()
    client.get("/members?country=FR")
    client.get("/api/v1/members?country=FR")
    assert cache.computations == computed  # nothing computed again
    client.get("/members?country=DE")
    assert cache.computations > computed


def _concurrently(work, n=8):
    results, errors = [], []
    start = threading.Barrier(n)

    def run():
        start.wait()
        try:
            results.append(work())
        except Exception as error:  # pragma: no cover - shown by the assertion
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return results


def _slow(calls):
    def compute():
        calls.append(1)
        time.sleep(0.2)
        return {"answer": len(calls)}

    return compute


def test_concurrent_misses_compute_once(app, cache):
    calls = []

    def work():
        with app.app_context():
            return cache.get(("k",), _slow(calls), ["members:DE"])

    results = _concurrently(work)
    assert len(calls) == 1
    assert results == [{"answer": 1}] * 8


def test_concurrent_aggregate_renewals_compute_once_and_serve_the_previous(
    app, cache, frozen_clock
):
    calls = []

    def work():
        with app.app_context():
            return cache.aggregate(("stats",), _slow(calls)).value

    assert _concurrently(work) == [{"answer": 1}] * 8  # a first miss waits for the one
    assert len(calls) == 1
    frozen_clock.advance(seconds=2)  # older than half the bound: renewed, by one computation
    results = _concurrently(work)
    assert len(calls) == 2
    assert sorted(r["answer"] for r in results) == [1] * 7 + [2]  # the others: the previous
    frozen_clock.advance(seconds=10)  # older than the bound: nobody gets it any more
    assert {r["answer"] for r in _concurrently(work)} == {3}
    assert len(calls) == 3


def test_two_processes_share_one_computation_through_redis(app):
    redis = _redis()
    first = PublicCache(limit=100, refresh=3.0, redis=redis, prefix="test:")
    second = PublicCache(limit=100, refresh=3.0, redis=redis, prefix="test:")
    calls = []

    def work(cache):
        with app.app_context():
            return cache.get(("shared",), _slow(calls), ["members:*"])

    results = []
    threads = [
        threading.Thread(target=lambda c=c: results.append(work(c))) for c in (first, second) * 3
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1
    assert results == [{"answer": 1}] * 6
    assert first.computations + second.computations == 1


def test_a_redis_that_is_down_is_left_out(app):
    from redis import Redis

    cache = PublicCache(limit=10, refresh=3.0, redis=Redis(port=1, socket_connect_timeout=0.2))
    assert cache.get(("x",), lambda: 42, []) == 42
    assert cache.aggregate(("y",), lambda: 7).value == 7


def test_healthz_touches_neither_database_nor_redis(client, db):
    from tests.test_public_data import counting_statements

    with counting_statements(db.engine) as statements:
        assert client.get("/healthz").get_json() == {"status": "ok"}
    assert statements == []


@pytest.mark.parametrize("path", ["/api/v1/members.csv", "/api/v1/members.geojson"])
def test_exports_are_gzipped_when_asked_and_streamed(client, path):
    for n in range(30):
        factories.make_member(f"Stadt {n:02d}", country="DE")
    plain = client.get(path)
    assert "Content-Encoding" not in plain.headers
    packed = client.get(path, headers={"Accept-Encoding": "gzip, deflate"})
    assert packed.is_streamed
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert packed.headers["ETag"] != plain.headers["ETag"]
    body = packed.get_data()
    assert gzip.decompress(body) == plain.get_data()
    assert len(body) < len(plain.get_data())
