"""The password policy, where it applies, and that accounts cannot be told apart by answers or
by the work done for them."""

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from portal.auth import passwords, service
from portal.auth.passwords import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    WeakPassword,
    check_new_password,
    common_passwords,
)
from portal.demo.accounts import new_password
from portal.models import User
from tests import factories

EMAIL = "olga.nowak@krakow.example.pl"
NAME = "Covenant of Mayors for Safer Public Spaces"


def refused(password: str, email: str = EMAIL) -> str | None:
    """The reason the policy gives, or None when the password is accepted."""
    try:
        check_new_password(password, email, NAME)
    except WeakPassword as exc:
        return str(exc.message)
    return None


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("password1234", "most common"),
        ("Password1234", "most common"),
        ("qwertyuiop123", "most common"),
        ("000000000000", "most common"),
        ("abababababab", "most common"),
        ("!!iloveyou2024!!", "most common"),
        ("short", "at least 12"),
        ("élan vital", "at least 12"),  # 10 characters
        ("e\u0301" * 11, "at least 12"),  # 22 code points, 11 characters once composed
        ("x" * (MAX_PASSWORD_LENGTH + 1), "at most"),
        ("olga.nowak2024", "e-mail address"),
        ("Olga Nowak 1990!", "e-mail address"),
        ("krakow krakow krakow", "e-mail address"),
        ("krakow-password", "e-mail address"),
        ("CovenantOfMayors1", "portal's name"),
        ("safer public spaces", "portal's name"),
    ],
)
def test_refused(password, reason):
    assert reason in (refused(password) or "")


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery",
        "twelve chars",  # exactly 12
        "kayak paddlé",  # 12 characters, the last one accented
        "ein ziemlich großes Haus",
        "żółć gęślą jaźń",
        "🦉🦉🦉🦉 night owls 🦉🦉🦉🦉",
        "🦉🎉🌍🚲" * 3,
        "   spaces   inside   ",
        "zyxw" * (MAX_PASSWORD_LENGTH // 4),
        "olga's tram through the old town",  # her name among other words is fine
        "Ковенант мэров за безопасность",
    ],
)
def test_accepted(password):
    assert refused(password) is None


def test_the_list_is_large_and_shipped():
    common = common_passwords()
    assert len(common) >= 10_000
    assert "password1234" in common


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=MAX_PASSWORD_LENGTH + 20))
def test_length_is_counted_in_characters_after_nfc(password):
    length = len(unicodedata.normalize("NFC", password))
    reason = refused(password) or ""
    if length < MIN_PASSWORD_LENGTH:
        assert "at least" in reason
    elif length > MAX_PASSWORD_LENGTH:
        assert "at most" in reason
    else:
        assert "at least" not in reason and "at most" not in reason
    # The same password typed composed or decomposed gets the same answer.
    assert (refused(unicodedata.normalize("NFD", password)) or "") == reason


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(sorted(w for w in common_passwords() if w.isalpha() and len(w) >= 4)),
    st.sampled_from(["", "1", "12", "2024", "!", "!!", "123!", " "]),
    st.booleans(),
)
def test_common_passwords_with_digits_or_signs_around_them_are_refused(word, suffix, upper):
    password = (word.upper() if upper else word) + suffix
    if len(password) >= MIN_PASSWORD_LENGTH:
        assert "most common" in (refused(password) or "")


def test_passwords_are_hashed_in_one_normal_form(app):
    composed = "café au lait, s'il vous plaît"
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    assert passwords.verify_password(passwords.hash_password(decomposed), composed)


def test_demo_passwords_pass_the_policy(app):
    for email in ("admin@demo.example.org", "coordinator@demo.example.org"):
        password = new_password(email)
        assert refused(password, email) is None and len(password) >= 20


# --- where the policy applies -----------------------------------------------------------------


def test_registration_refuses_a_common_password_next_to_the_field(client, db):
    response = client.post(
        "/account/register",
        data={
            "name": "Olga",
            "email": EMAIL,
            "password": "password1234",
            "password_again": "password1234",
        },
    )
    page = response.get_data(as_text=True)
    assert 'id="password-error"' in page and "most common" in page
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_reset_and_invitation_refuse_a_password_made_from_the_address(client, mailbox, app):
    user = factories.make_user(email="marek@gdansk.example.pl")
    client.post("/account/password", data={"email": user.email})
    invited = factories.make_user(
        role="coordinator", countries=("PL",), password=None, email="ewa@ministry.example.pl"
    )
    with app.test_request_context():
        setup = service.make_setup_link(invited)
    for link, weak in (
        (mailbox.last_link(user.email, "/account/password/"), "marek gdansk 2025"),
        ("/" + setup.split("/", 3)[3], "ewa.ministry.2025"),
    ):
        page = client.post(link, data={"password": weak, "password_again": weak})
        assert 'id="password-error"' in page.get_data(as_text=True)
        assert "e-mail address" in page.get_data(as_text=True)
    assert service.authenticate(user.email, factories.PASSWORD) is not None
    assert service.find_user(invited.email).password_hash is None


def test_users_create_refuses_a_common_password(runner, db):
    result = runner.invoke(
        args=["users", "create", "chief@covenant.example.eu", "--role", "admin"],
        input="password1234\n",
    )
    assert result.exit_code != 0
    assert "most common" in result.output
    assert db.session.scalar(select(func.count(User.id))) == 0


# --- no account enumeration -------------------------------------------------------------------


class CountingHasher(passwords.PasswordHasher):
    """The suite's fast hasher, counting its calls."""

    def __init__(self):
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.calls = 0

    def hash(self, *args, **kwargs):
        self.calls += 1
        return super().hash(*args, **kwargs)

    def verify(self, *args, **kwargs):
        self.calls += 1
        return super().verify(*args, **kwargs)


@pytest.fixture
def hasher(monkeypatch):
    counting = CountingHasher()
    monkeypatch.setattr(passwords, "_fast", counting)
    return counting


def _work(hasher, action) -> int:
    before = hasher.calls
    action()
    return hasher.calls - before


def test_sign_in_does_the_same_hashing_for_every_kind_of_failure(client, hasher):
    known = factories.make_user(email="known@city.example.eu")
    invited = factories.make_user(role="coordinator", countries=("AT",), password=None)
    service.authenticate("warm-up@city.example.eu", "x")  # the stand-in hash is made once

    def sign_in(email):
        return lambda: client.post("/account/login", data={"email": email, "password": "wrong!!"})

    counts = {
        "wrong password": _work(hasher, sign_in(known.email)),
        "unknown address": _work(hasher, sign_in("ghost@city.example.eu")),
        "no password chosen yet": _work(hasher, sign_in(invited.email)),
    }
    assert set(counts.values()) == {1}, counts


def test_registration_does_the_same_hashing_and_mailing_for_a_taken_address(
    client, db, hasher, mailbox
):
    factories.make_user(email="taken@city.example.eu")

    def register(email):
        data = {"name": "X", "email": email, "password": "seven tired otters"}
        return lambda: client.post(
            "/account/register", data={**data, "password_again": data["password"]}
        )

    taken = _work(hasher, register("taken@city.example.eu"))
    new = _work(hasher, register("new@city.example.eu"))
    assert taken == new == 1
    assert len(mailbox.to("taken@city.example.eu")) == len(mailbox.to("new@city.example.eu")) == 1


def test_reset_answers_the_same_and_does_no_hashing_either_way(client, hasher):
    known = factories.make_user()
    answers, counts = [], []
    for email in (known.email, "ghost@city.example.eu"):
        counts.append(
            _work(
                hasher,
                lambda e=email: answers.append(client.post("/account/password", data={"email": e})),
            )
        )
    pages = [r.get_data(as_text=True) for r in answers]
    assert "If an account exists for" in pages[0]
    assert pages[0].replace(known.email, "X") == pages[1].replace("ghost@city.example.eu", "X")
    assert counts == [0, 0]


def test_sign_in_failure_says_the_same_for_an_account_without_a_password(client):
    invited = factories.make_user(role="coordinator", countries=("AT",), password=None)
    known = factories.make_user()
    pages = [
        client.post("/account/login", data={"email": e, "password": "wrong password"})
        for e in (invited.email, known.email, "ghost@city.example.eu")
    ]
    texts = [p.get_data(as_text=True) for p in pages]
    assert all("The e-mail address or the password is wrong." in t for t in texts)
    assert (
        len(
            {
                t.replace(e, "X")
                for t, e in zip(
                    texts, (invited.email, known.email, "ghost@city.example.eu"), strict=True
                )
            }
        )
        == 1
    )
