"""One NotAllowed for "you may not do this", answered 403 or (hidden) 404 by one error handler,
as a page or as JSON; one helper that shows a service's error on its form."""

import pytest
from flask_wtf import FlaskForm
from wtforms import StringField

from portal import permissions
from portal.core.errors import NotAllowed, UserFacingError
from portal.core.forms import show_error
from portal.membership import service as membership
from portal.models.members import SUBMITTED
from portal.pledges.service import InvalidInput
from tests.factories import make_member, make_user

JSON = {"Accept": "application/json"}


def test_require_raises_not_allowed_hidden_or_not():
    permissions.require(True)
    with pytest.raises(NotAllowed) as refused:
        permissions.require(False)
    assert (refused.value.hide, refused.value.code) == (False, 403)
    with pytest.raises(NotAllowed) as hidden:
        permissions.require(False, hide=True)
    assert (hidden.value.hide, hidden.value.code) == (True, 404)
    assert isinstance(hidden.value, UserFacingError)


def test_not_allowed_is_a_403_page_or_json(client, login):
    login(make_user())
    page = client.get("/admin/coordinators")
    assert page.status_code == 403 and page.mimetype == "text/html"
    assert "You may not do this." in page.get_data(as_text=True)
    answer = client.get("/admin/coordinators", headers=JSON)
    assert answer.status_code == 403
    assert answer.get_json() == {"status": 403, "error": "You may not do this."}


def test_hidden_not_allowed_is_the_404_of_a_thing_that_does_not_exist(client, login):
    member = make_member(status=SUBMITTED, representatives=[make_user()])
    login(make_user())
    hidden = client.get(f"/applications/{member.id}")
    missing = client.get(f"/applications/{member.id + 1000}")
    assert hidden.status_code == missing.status_code == 404
    other_address = missing.get_data(as_text=True).replace(str(member.id + 1000), str(member.id))
    assert hidden.get_data(as_text=True) == other_address
    answer = client.get(f"/applications/{member.id}", headers=JSON)
    assert answer.status_code == 404
    assert answer.get_json() == {"status": 404, "error": "There is no such page."}


def test_a_service_refuses_with_not_allowed(app):
    stranger = make_user()
    member = make_member(status=SUBMITTED, representatives=[make_user()])
    with pytest.raises(NotAllowed) as refused:
        membership.application_for(stranger, member.id)
    assert refused.value.hide


class _Form(FlaskForm):
    class Meta:
        csrf = False

    name = StringField()
    email = StringField()


def test_show_error_puts_the_message_on_its_field_or_on_the_form(app):
    with app.test_request_context("/"):
        form = _Form(formdata=None)
        show_error(form, UserFacingError("Give a valid e-mail address.", field="email"))
        show_error(form, UserFacingError("Try again later."))
        show_error(form, UserFacingError("No such field here.", field="country"))
        assert list(form.email.errors) == ["Give a valid e-mail address."]
        assert list(form.name.errors) == []
        assert form.form_errors == ["Try again later.", "No such field here."]


def test_show_error_shows_every_message_of_an_error_per_field(app):
    with app.test_request_context("/"):
        form = _Form(formdata=None)
        show_error(form, InvalidInput({"name": "Give a name.", "partners": "Too long."}))
        assert list(form.name.errors) == ["Give a name."]
        assert form.form_errors == ["Too long."]
