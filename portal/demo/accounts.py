"""Demo part: the administrator, the coordinators and the demo representative.

The three accounts printed at the end get a fresh random password on every run; the other
coordinators get one nobody knows (they exist so that every decision has someone who took it).
"""

import secrets
from datetime import UTC, datetime, time, timedelta

from flask import current_app

from portal.auth.passwords import WeakPassword, check_new_password, hash_password
from portal.core.folding import fold
from portal.demo.context import Demo, DemoAccount
from portal.extensions import db
from portal.models import CoordinatorCountry, User
from portal.models.users import ROLE_ADMIN, ROLE_COORDINATOR, ROLE_REPRESENTATIVE

DEMO_DOMAIN = "demo.example.org"
DEMO_COORDINATOR_COUNTRIES = ("DE", "AT", "PL")
# The other coordinators and their countries; CY and LU are left without one, as happens.
OTHER_COORDINATORS = (
    ("Camille Leroy", ("FR", "BE")),
    ("Giulia Rossi", ("IT", "MT")),
    ("Javier García", ("ES", "PT")),
    ("Sophie de Vries", ("NL",)),
    ("Freja Andersson", ("SE", "DK", "FI")),
    ("Jana Svoboda", ("CZ", "SK")),
    ("Réka Nagy", ("HU", "SI", "HR")),
    ("Ioana Popescu", ("RO", "BG")),
    ("Eleni Georgiou", ("GR",)),
    ("Aoife Murphy", ("IE",)),
    ("Liis Tamm", ("EE", "LV", "LT")),
)


def new_password(email: str) -> str:
    """A random password, different on every run: printed once, stored only as a hash.

    Drawn again in the unlikely case that the password policy refuses it for `email`.
    """
    while True:
        password = secrets.token_urlsafe(15)  # 20 characters, 90 random bits
        try:
            check_new_password(password, email, current_app.config["PORTAL_NAME"])
        except WeakPassword:
            continue
        return password


def _account(demo: Demo, label: str, email: str, name: str, role: str, countries=()) -> User:
    password = new_password(email)
    user = _user(demo, email, name, role, countries, password)
    demo.accounts[label] = DemoAccount(label=label, user=user, password=password)
    return user


def _user(demo: Demo, email: str, name: str, role: str, countries, password: str) -> User:
    joined = datetime.combine(demo.today - timedelta(days=900), time(9), tzinfo=UTC)
    user = User(
        email=email,
        name=name,
        password_hash=hash_password(password),
        role=role,
        email_confirmed_at=joined,
        created_at=joined,
        locale="en",
        countries=[CoordinatorCountry(country=c) for c in countries],
    )
    db.session.add(user)
    return user


def seed_accounts(demo: Demo) -> None:
    _account(demo, "admin", f"admin@{DEMO_DOMAIN}", "Ada Administrator", ROLE_ADMIN)
    coordinator = _account(
        demo,
        "coordinator",
        f"coordinator@{DEMO_DOMAIN}",
        "Clara Coordinator",
        ROLE_COORDINATOR,
        DEMO_COORDINATOR_COUNTRIES,
    )
    for code in DEMO_COORDINATOR_COUNTRIES:
        demo.coordinators[code] = coordinator
    _account(
        demo,
        "representative",
        f"representative@{DEMO_DOMAIN}",
        "Rita Representative",
        ROLE_REPRESENTATIVE,
    )
    for name, countries in OTHER_COORDINATORS:
        local = fold(name.split()[0])
        email = f"{local}@{DEMO_DOMAIN}"
        user = _user(demo, email, name, ROLE_COORDINATOR, countries, new_password(email))
        days_ago = demo.rng.randint(0, 20)
        user.last_login_at = datetime.combine(
            demo.today - timedelta(days=days_ago), time(8 + days_ago % 9), tzinfo=UTC
        )
        for code in countries:
            demo.coordinators[code] = user
    db.session.flush()
