"""The council decision: recognised as PDF by its content, size-limited, stored under its own
identifier, readable only by the application's representatives and its country's coordinators,
and never left behind on disk by a change that did not commit."""

import hashlib
import io
import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.extensions import db as _db
from portal.membership import documents, service
from portal.models import CouncilDecision, Member, OutboxMail
from portal.models.members import DRAFT
from tests import factories
from tests.factories import make_coordinator, make_user
from tests.test_membership import field_error, only_member, post_application

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02" + b"\x00" * 64


def stored_files(app) -> list[Path]:
    folder = Path(app.config["UPLOAD_DIR"])
    return sorted(folder.iterdir()) if folder.exists() else []


def count(model) -> int:
    return _db.session.scalar(select(func.count()).select_from(model))


# --- recognising a PDF -----------------------------------------------------------------------


def test_a_real_pdf_is_accepted():
    content = factories.pdf_bytes()
    checked = documents.read_pdf(io.BytesIO(content))
    assert checked.size == len(content)
    assert checked.sha256 == hashlib.sha256(content).hexdigest()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (PNG, "not a PDF"),
        (b"Council decision of 8 March 2025: we join.\n%%EOF\n", "not a PDF"),
        (b"<html><body>%PDF-1.4</body></html>\n%%EOF", "not a PDF"),
        (factories.pdf_bytes()[:-200], "not a PDF"),  # cut off: no end-of-file marker
        (b"", "empty"),
    ],
)
def test_other_content_is_refused(content, message):
    with pytest.raises(documents.DocumentError, match=message):
        documents.read_pdf(io.BytesIO(content))


def test_size_limit_is_checked_while_reading():
    content = factories.pdf_bytes()
    assert documents.read_pdf(io.BytesIO(content), max_bytes=len(content)).size == len(content)
    with pytest.raises(documents.DocumentError, match="larger than"):
        documents.read_pdf(io.BytesIO(content), max_bytes=len(content) - 1)


def test_stored_identifiers_cannot_walk_the_tree():
    with pytest.raises(ValueError):
        documents.path_for("../../etc/passwd")
    assert documents.path_for("0123456789abcdef0123456789abcdef").name == (
        "0123456789abcdef0123456789abcdef"
    )


# --- uploads through the form ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "filename", "mimetype"),
    [
        (PNG, "council-decision.pdf", "application/pdf"),  # a PNG renamed .pdf
        (b"We decided to join.\n", "decision.pdf", "application/pdf"),  # text sent as PDF
        (b"MZ\x90\x00" + b"\x00" * 200, "decision.pdf", "application/pdf"),
    ],
)
def test_non_pdf_upload_is_refused_and_nothing_changes(
    app, client, login, content, filename, mimetype
):
    login(make_user())
    response = post_application(client, pdf=(io.BytesIO(content), filename, mimetype))
    assert response.status_code == 422
    assert "not a PDF" in field_error(response.get_data(as_text=True), "council_decision")
    assert count(Member) == 0 and count(CouncilDecision) == 0 and count(OutboxMail) == 0
    assert stored_files(app) == []


def test_file_error_is_shown_with_the_other_errors(client, login):
    login(make_user())
    response = post_application(
        client, pdf=(io.BytesIO(PNG), "scan.pdf", "application/pdf"), website="www.bonn.eu"
    )
    html = response.get_data(as_text=True)
    assert "not a PDF" in field_error(html, "council_decision")
    assert "https://" in field_error(html, "website")


def test_service_refuses_a_non_pdf_whatever_the_form_did(app):
    user = make_user()
    data = service.ApplicationData(name="Bonn", country="DE")
    with pytest.raises(service.ApplicationError) as refused:
        service.create_application(user, data, io.BytesIO(PNG))
    assert refused.value.field == "council_decision"
    assert count(Member) == 0 and stored_files(app) == []


def test_non_pdf_upload_on_edit_keeps_the_draft_as_it_was(app, client, login):
    login(make_user())
    post_application(client, action="save")
    member = only_member()
    response = post_application(
        client,
        url=f"/applications/{member.id}/edit",
        pdf=(io.BytesIO(PNG), "scan.pdf", "application/pdf"),
        population="5",
        version=member.version,
    )
    assert response.status_code == 422
    member = only_member()
    assert member.population == 1024621 and len(member.documents) == 1
    assert len(stored_files(app)) == 1


def test_oversized_upload_is_refused(app, client, login):
    login(make_user())
    limit = app.config["MAX_DOCUMENT_BYTES"]
    pdf = factories.pdf_bytes()
    body = pdf[:-6] + b"%" + b" " * (limit - len(pdf) + 1) + b"\n%%EOF\n"
    assert len(body) > limit and documents.is_pdf(body)
    response = post_application(client, pdf=(io.BytesIO(body), "big.pdf", "application/pdf"))
    assert response.status_code == 422
    assert "larger than 10 MB" in field_error(response.get_data(as_text=True), "council_decision")
    assert count(Member) == 0 and stored_files(app) == []


def test_document_is_stored_under_its_own_identifier(app, client, login):
    login(make_user())
    content = factories.pdf_bytes()
    post_application(client, pdf=(io.BytesIO(content), "Ratsbeschluss Köln.pdf"))
    document = only_member().council_decision
    files = stored_files(app)
    assert [f.name for f in files] == [document.id]
    assert re.fullmatch(r"[0-9a-f]{32}", document.id)
    assert files[0].read_bytes() == content
    assert (document.size, document.sha256) == (len(content), hashlib.sha256(content).hexdigest())


def test_new_upload_replaces_but_keeps_the_older_one(app, client, login):
    login(make_user())
    post_application(client, action="save")
    member = only_member()
    second = factories.pdf_bytes().replace(b"Council decision", b"Council decisioN")
    response = post_application(
        client,
        url=f"/applications/{member.id}/edit",
        pdf=(io.BytesIO(second), "signed.pdf"),
        action="save",
        version=member.version,
    )
    assert response.status_code == 302
    member = only_member()
    assert len(member.documents) == 2 and len(stored_files(app)) == 2
    download = client.get(f"/applications/{member.id}/council-decision")
    assert download.data == second


# --- reading it back -------------------------------------------------------------------------


def test_download_is_an_attachment_for_those_allowed(client, login):
    owner = login(make_user())
    post_application(client, name="Köln")
    member = only_member()
    for reader in (owner, make_coordinator("DE")):
        login(reader)
        response = client.get(f"/applications/{member.id}/council-decision")
        assert response.status_code == 200
        assert response.mimetype == "application/pdf"
        assert response.headers["Content-Disposition"] == (
            "attachment; filename=council-decision-koln-de.pdf"
        )
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response.headers["Cache-Control"]
        assert response.data == factories.pdf_bytes()
        client.post("/account/logout")


def test_download_is_404_for_everyone_else(client, login):
    login(make_user())
    post_application(client)
    member = only_member()
    client.post("/account/logout")
    assert client.get(f"/applications/{member.id}/council-decision").status_code == 302
    for outsider in (make_user(), make_coordinator("AT"), make_user(role="admin")):
        login(outsider)
        assert client.get(f"/applications/{member.id}/council-decision").status_code == 404
        client.post("/account/logout")


def test_no_document_no_download(client, login):
    login(make_user())
    client.post("/apply", data={"name": "Bonn", "country": "DE", "action": "save"})
    assert client.get(f"/applications/{only_member().id}/council-decision").status_code == 404


# --- no orphan files -------------------------------------------------------------------------


def test_failed_transaction_leaves_no_file(app, monkeypatch):
    user = make_user()
    make_coordinator("DE")

    def broken_mail(*args, **kwargs):
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(service, "_tell_coordinators", broken_mail)
    data = service.ApplicationData.from_mapping(
        {
            k: v
            for k, v in factories.application_form().items()
            if k not in ("action", "geonames_id")
        }
        | {
            "population": 1024621,
            "latitude": 50.9,
            "longitude": 6.9,
            "accept_commitments": True,
            "council_decision_date": date(2025, 3, 8),
        }
    )
    with pytest.raises(RuntimeError):
        service.create_application(user, data, io.BytesIO(factories.pdf_bytes()), submit=True)
    assert count(Member) == 0 and count(CouncilDecision) == 0 and count(OutboxMail) == 0
    assert stored_files(app) == []

    monkeypatch.undo()
    member = service.create_application(user, data, io.BytesIO(factories.pdf_bytes()), submit=True)
    assert len(stored_files(app)) == 1 and member.council_decision is not None


def test_failed_upload_on_edit_leaves_no_file_and_no_change(app, client, login, monkeypatch):
    login(make_user())
    client.post("/apply", data={"name": "Bonn", "country": "DE", "action": "save"})
    member = only_member()

    def refuse(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(_db.session, "commit", refuse)
    with pytest.raises(RuntimeError):
        post_application(
            client,
            url=f"/applications/{member.id}/edit",
            name="Bonn",
            action="save",
            version=member.version,
        )
    monkeypatch.undo()
    assert stored_files(app) == []
    member = only_member()
    assert member.status == DRAFT and member.population is None and member.documents == []


def test_request_over_the_whole_limit_says_the_limit_and_changes_nothing(app, client, login):
    login(make_user())
    too_big = b"%PDF-1.4\n" + b"0" * app.config["MAX_CONTENT_LENGTH"]
    data = factories.application_form(council_decision=(io.BytesIO(too_big), "decision.pdf"))
    response = client.post("/apply", data=data, content_type="multipart/form-data")
    assert response.status_code == 413
    assert "at most 10 MB" in response.get_data(as_text=True)
    assert count(Member) == 0
