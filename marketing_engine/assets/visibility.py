"""Visibility in AI answers: the brand's priority questions put to AI assistants once a day.

keyword_universe, published_pages ─► ai_visibility (daily) ─► campaign memory (gaps), marketing_report

Wiring only: the questions, the parser, share of voice and gaps live in `marketing_engine.visibility`,
the assistants in `resources/assistants.py`.
"""

import time
from datetime import date

import dagster as dg

from marketing_engine.assets.automation import WAREHOUSE, calls, on_cron, owners
from marketing_engine.assets.common import markdown_table
from marketing_engine.assets.partitions import daily_partitions
from marketing_engine.provenance import NOT_CONFIGURED, SIMULATOR, SourceReport
from marketing_engine.resources.assistants import AssistantsResource
from marketing_engine.resources.brand import BrandResource
from marketing_engine.resources.warehouse import WarehouseResource

GROUP = "analytics"
DAILY = "30 8 * * *"  # after the morning's metrics; the newest day only (assistants answer today)
QUESTIONS = 20


def _sources(assistants: AssistantsResource, clients: list) -> SourceReport:
    """The assistants that answered (or the simulator's), and those without a key, by name."""
    origin = SIMULATOR if assistants.backend == "simulator" else "measured"
    report = SourceReport()
    for client in clients:
        report.add(origin, client.name)
    for name in assistants.not_configured():
        report.add(NOT_CONFIGURED, name)
    return report


@dg.asset(
    group_name=GROUP,
    owners=owners(GROUP),
    code_version="1",
    kinds={"python", WAREHOUSE},
    partitions_def=daily_partitions,
    deps=["keyword_universe", "published_pages"],
    automation_condition=on_cron(DAILY) & dg.AutomationCondition.in_latest_time_window(),
    **calls("assistants"),
    description="The brand's priority questions (question and money keywords) put to AI assistants: "
    "per question and assistant, whether the brand is named or cited (and where), its rank among the "
    "brands named, the competitors and the sources; share of voice per assistant; gaps go to campaign memory.",
)
def ai_visibility(
    context: dg.AssetExecutionContext,
    brand: BrandResource,
    warehouse: WarehouseResource,
    assistants: AssistantsResource,
) -> dg.MaterializeResult:
    from marketing_engine.visibility import store
    from marketing_engine.visibility.answers import Names, read_answer
    from marketing_engine.visibility.questions import priority_questions
    from marketing_engine.visibility.share import gaps, share_of_voice

    started = time.perf_counter()
    profile, db, day = brand.load(), warehouse.get(), date.fromisoformat(context.partition_key)
    names = Names.of(profile)
    questions = priority_questions(store.keywords(db, profile.slug), profile.language, QUESTIONS)
    clients = assistants.assistants(store.site_pages(db, profile.slug), names, day, profile.language)
    records = [read_answer(client.ask(q.text), names) for client in clients for q in questions]
    store.save_records(db, profile.slug, day, records)
    found = gaps(records)
    store.remember_gaps(db, profile.slug, found)
    shares = share_of_voice(records)
    return dg.MaterializeResult(
        metadata={
            "questions": len(questions),
            "assistants": dg.MetadataValue.text(", ".join(c.name for c in clients) or "no data"),
            **_sources(assistants, clients).metadata(),
            "backend": assistants.backend,
            "records": len(records),
            "gaps": len(found),
            "share_of_voice": dg.MetadataValue.json({s.assistant: s.share_of_voice for s in shares}),
            "share_table": markdown_table(
                [s.__dict__ for s in shares],
                ["assistant", "questions", "share_of_voice", "mention_rate", "citation_rate"],
            ),
            "preview": markdown_table(
                [r.__dict__ for r in records],
                [
                    "assistant",
                    "query",
                    "brand_mentioned",
                    "brand_cited",
                    "brand_rank",
                    "competitors_mentioned",
                ],
            ),
            "gap_questions": markdown_table(
                [g.__dict__ for g in found], ["query", "assistants", "competitors"]
            ),
            "seconds": round(time.perf_counter() - started, 2),
        }
    )
