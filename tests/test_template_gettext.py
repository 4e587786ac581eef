"""The templates' _() and ngettext() (portal.core.i18n.install_template_gettext) give exactly
what Jinja's and Flask-Babel's own give: each language's catalogue, the language forced for a
mail, a format string whose %% stays as Jinja leaves it, and the variables escaped."""

import pytest
from flask_babel import force_locale, get_translations
from jinja2 import Environment

TEMPLATES = [
    "{{ _('Members') }}",
    "{{ _('Members') }} {{ _('Statistics') }}",
    "{{ _('Cancel “%(title)s”', title=title) }}",
    "{{ _('Cancel “%(title)s”', title=title|written_in('pl')) }}",
    "{{ _('100%% sure') }}",
    "{{ ngettext('%(num)s member', '%(num)s members', n) }}",
    "{{ ngettext('%(num)s member', '%(num)s members', n, num=n|numberformat) }}",
    "{{ ngettext('A progress update on “%(title)s” was due on %(date)s (%(num)d day ago).',"
    " 'A progress update on “%(title)s” was due on %(date)s (%(num)d days ago).', n,"
    " title=title, date='1 Dec') }}",
]
VALUES = {"title": '<b>Bollards & "planters"</b>', "n": 3}


def jinja_and_babel_own(app) -> Environment:
    """An environment like the app's, with Jinja's newstyle wrappers around Flask-Babel."""
    env = Environment(autoescape=True, extensions=["jinja2.ext.i18n"])
    env.filters.update(app.jinja_env.filters)
    env.install_gettext_callables(
        gettext=lambda s: get_translations().ugettext(s),
        ngettext=lambda s, p, n: get_translations().ungettext(s, p, n),
        newstyle=True,
    )
    return env


@pytest.mark.parametrize("language", ["en", "de", "pl", "ga"])
@pytest.mark.parametrize("n", [1, 2, 5, 11])
def test_the_templates_translations_are_jinjas_and_flask_babels(app, language, n):
    reference = jinja_and_babel_own(app)
    assert app.jinja_env.globals["_"] is not reference.globals["_"]  # two ways, compared
    with app.test_request_context("/", headers={"Accept-Language": language}):
        for source in TEMPLATES:
            values = {**VALUES, "n": n}
            ours = app.jinja_env.from_string(source).render(values)
            theirs = reference.from_string(source).render(values)
            assert ours == theirs, source
    assert "<b>" not in ours


def test_a_forced_language_is_followed_and_then_left(app):
    template = app.jinja_env.from_string("{{ _('Members') }}")
    with app.test_request_context("/", headers={"Accept-Language": "de"}):
        assert template.render() == "Mitglieder"
        with force_locale("fr"):
            assert template.render() == "Membres"
            with force_locale("pl"):
                assert template.render() == "Członkowie"
            assert template.render() == "Membres"
        assert template.render() == "Mitglieder"
    with app.app_context(), force_locale("de"):  # a mail written outside any request
        assert template.render() == "Mitglieder"
