import pytest

from . import factories


@pytest.fixture
def bpo_world(db):
    """A small, realistic corner of the glossary: BPO with a narrower KPO and a contrasting call center."""
    location = factories.facet(name="Location", slug="location")
    office = factories.facet(name="Office function", slug="office-function")
    offshore = factories.category(location, name="Offshore", slug="offshore")
    onshore = factories.category(location, name="Onshore", slug="onshore")
    front = factories.category(office, name="Front office", slug="front-office")
    back = factories.category(office, name="Back office", slug="back-office")
    bpo = factories.term(
        headword="BPO",
        expansion="Business Process Outsourcing",
        slug="bpo",
        definition="Hiring another company to run a business process.",
        body="## Types\n\nBack office and front office.",
        categories=[offshore, back, front],
        tags=["outsourcing"],
        aliases=["business process outsourcing"],
    )
    kpo = factories.term(
        headword="KPO",
        expansion="Knowledge Process Outsourcing",
        slug="kpo",
        categories=[offshore, back],
        tags=["outsourcing", "knowledge"],
    )
    call_center = factories.term(
        headword="Call center",
        slug="call-center",
        categories=[onshore, front],
        tags=["customer-service"],
        aliases=["call centre"],
    )
    factories.relation(bpo, kpo, "narrower")
    factories.relation(call_center, bpo, "contrasts")
    return {
        "bpo": bpo,
        "kpo": kpo,
        "call_center": call_center,
        "offshore": offshore,
        "onshore": onshore,
        "front": front,
        "back": back,
    }
