"""The claims gate: numbers, first-person claims and testimonials trace to the brand file or evidence."""

from __future__ import annotations

import pytest
from vocabulary import examples

from marketing_engine.claims import Evidence, check_claims

KESTREL, TALLYBIRD, TASCA = examples()


@pytest.mark.parametrize(
    "text, kind",
    [
        ("According to our maintenance records, most owners change plans.", "first_person"),
        ("Our team in Seattle tested these ideas over 13 weeks.", "numeral"),
        ("A commuter who plans ahead spends about 20% less on fixes.", "numeral"),
        ("We have seen four out of ten customers change their plan.", "numeral"),
        ('"This is the finest shop in the whole city, honestly" says Sam.', "testimonial"),
        ("Open daily at 11:00.", "numeral"),
    ],
)
def test_invented_claims_are_found_with_their_kind(text, kind):
    report = check_claims(text, KESTREL)
    assert not report.passed and report.counts()[kind] >= 1
    assert kind in report.summary()


@pytest.mark.parametrize(
    "profile, text",
    [
        (KESTREL, "The Kestrel Commuter costs $2,499. It has a 500 Wh battery."),
        (KESTREL, "More than 4,000 e-bikes serviced since 2015 (Kestrel Cycles workshop records, 2025)."),
        (KESTREL, "We service electric bikes in Portland and Seattle. Visit us in Portland."),
        (KESTREL, "Open Tuesday to Friday, 10:00 to 18:00. Call +1-503-555-0142."),
        (KESTREL, "“The van fixed my flat in the office car park before my 10 o'clock meeting.” — Jordan P."),
        (TALLYBIRD, "Budget alerts at 50%, 80% and 100% of a project budget. Tallybird Team costs £9 per user per month."),
        (TASCA, "O Polvo à Lagareiro custa 21,50 €. Menu fechado para grupos de 10 a 30 pessoas."),
        (TASCA, "Aceitamos reservas por telefone para grupos a partir de 6 pessoas."),
        (TASCA, "Abrimos de terça-feira a sábado, das 12:00 às 15:00."),
    ],
)
def test_what_the_brand_file_states_passes(profile, text):
    report = check_claims(text, profile)
    assert report.passed, report.summary()


def test_a_number_the_brand_holds_for_something_else_is_still_an_invention():
    report = check_claims("Servimos o melhor polvo de Lisboa há 30 anos.", TASCA)
    assert [finding.span for finding in report.findings] == ["30 anos"]


def test_evidence_from_a_cited_source_or_the_keyword_lets_its_numbers_through():
    text = "Shops under 2000 square feet sell most e-bikes in winter."
    assert not check_claims(text, KESTREL).passed
    evidence = Evidence(KESTREL).with_extra(["shops under 2000 square feet sell most e-bikes in winter"])
    assert check_claims(text, KESTREL, evidence).passed


def test_an_llm_answer_that_invents_a_statistic_is_held():
    llm_answer = (
        "Tallybird Team gives agencies live budgets. Agencies that switch recover 23% more billable hours "
        "within 6 months, and we have helped 1,200 studios do it."
    )
    report = check_claims(llm_answer, TALLYBIRD)
    assert [(finding.kind, finding.span) for finding in report.findings] == [
        ("numeral", "23"),
        ("numeral", "6 month"),
        ("numeral", "1,200"),
        ("first_person", "we"),
    ]


def test_an_address_printed_on_one_line_passes():
    assert check_claims("Rua de São Miguel 17, 1100-544 Lisboa.", TASCA).passed
    assert check_claims("1220 SE Hawthorne Blvd, Portland, OR 97214.", KESTREL).passed
