"""Which territory a lead falls in: every non-empty criterion must match."""

import pytest

from accord.crm.models import Lead
from accord.people.models import Territory
from accord.routing.services import territory_matches


@pytest.mark.parametrize(
    ("criteria", "lead", "expected"),
    [
        ({}, {}, True),  # no criteria: everyone
        ({"countries": ["DE", "AT"]}, {"country": "AT"}, True),
        ({"countries": ["DE", "AT"]}, {"country": "FR"}, False),
        ({"countries": ["DE"]}, {}, False),  # unknown country does not match a country rule
        ({"regions": ["Bavaria"]}, {"country": "DE", "region": "bavaria"}, True),  # case-insensitive
        ({"regions": ["Bavaria"]}, {"region": "Hesse"}, False),
        ({"industries": ["Software"]}, {"industry": "software"}, True),
        ({"industries": ["Software"]}, {"industry": ""}, False),
        ({"min_company_size": 1000}, {"company_size": 1000}, True),  # bounds are inclusive
        ({"min_company_size": 1000}, {"company_size": 999}, False),
        ({"min_company_size": 1000}, {}, False),  # unknown size does not match a size rule
        ({"max_company_size": 200}, {"company_size": 200}, True),
        ({"max_company_size": 200}, {"company_size": 201}, False),
        ({"countries": ["DE"], "min_company_size": 50}, {"country": "DE", "company_size": 49}, False),
        ({"countries": ["DE"], "min_company_size": 50}, {"country": "DE", "company_size": 50}, True),
    ],
)
def test_territory_matches(criteria, lead, expected):
    assert territory_matches(Territory(name="T", **criteria), Lead(email="x@y.example", **lead)) is expected
