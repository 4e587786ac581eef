"""The covenant's commitments: the one text shown on the application form and the About page.

Written for this portal from the joint statement of the European Commission and the European
Committee of the Regions of 8 March 2018.
"""

from flask_babel import lazy_gettext as _l

COMMITMENTS_VERSION = "2018-03"

COMMITMENTS: list[tuple[str, object, object]] = [
    (
        "security_by_design",
        _l("Protect public spaces with security by design"),
        _l(
            "Assess how vulnerable our squares, stations, markets, event venues and other public "
            "spaces are, and build protection into their design and renovation from the start, "
            "so that they stay open, welcoming and safe."
        ),
    ),
    (
        "private_operators",
        _l("Work with the private operators of public spaces"),
        _l(
            "Share the responsibility with those who run shopping centres, venues, transport hubs "
            "and hospitality: exchange information, agree common security strategies and train "
            "together."
        ),
    ),
    (
        "prevent_radicalisation",
        _l("Prevent radicalisation"),
        _l(
            "Take a holistic local approach through education, social inclusion and community "
            "work, and support the practitioners who do it, drawing on networks such as the "
            "Radicalisation Awareness Network and Efus."
        ),
    ),
    (
        "exchange",
        _l("Exchange information and good practice"),
        _l(
            "Learn from other cities and share what works, what did not, and the data, training "
            "and guidance we develop."
        ),
    ),
    (
        "eu_funding",
        _l("Use the available EU funding"),
        _l(
            "Mobilise the Internal Security Fund – Police, Urban Innovative Actions and other "
            "programmes for joint and public–private projects that make public spaces safer."
        ),
    ),
    (
        "action_plan",
        _l("Publish an action plan and report on progress"),
        _l(
            "Publish concrete actions on this portal within the covenant's deadline and report "
            "regularly on how they advance, so that citizens and other cities can follow them."
        ),
    ),
]
