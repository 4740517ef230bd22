"""Every catalog flow, walked end to end: one test per transition of each flow graph (generated from the
graph, so a new step or transition is covered without writing a test), with simulated devices."""

from __future__ import annotations

import pytest

from flows.lint import errors_only, lint_paths
from flows.loader import FLOWS_DIR, load_directory
from tests.fixtures.flows import Citizen, SimDevices, flow_edges, route_through

CATALOG = load_directory(FLOWS_DIR)
EDGES = [(flow_id, edge) for flow_id, flow in sorted(CATALOG.items()) for edge in flow_edges(flow)]

REQUIRED_SERVICES = {
    "si_contribution_print",
    "si_rights_record",
    "medical_certificate_print",
    "hf_statement_print",
    "hf_withdraw_rent",
    "property_query",
    "license_collect",
    "service_guide",
    "rate_case",
}


def test_catalog_has_the_seed_services() -> None:
    assert set(CATALOG) >= REQUIRED_SERVICES


def test_catalog_lints_without_errors() -> None:
    assert errors_only(lint_paths([FLOWS_DIR.parent], terminal="full")) == []


@pytest.mark.parametrize(
    ("flow_id", "edge"), EDGES, ids=[f"{f}:{e[0]}-{e[1]}{e[2]}->{e[3]}" for f, e in EDGES]
)
def test_transition_walked_end_to_end(flow_id: str, edge: tuple[str, str, int, str]) -> None:
    flow = CATALOG[flow_id]
    walker = Citizen(flow, SimDevices())
    for step_edge in route_through(flow, edge):
        walker.take(step_edge)
    assert walker.run.finished
    assert walker.run.current.type == "finish"


def test_every_transition_is_covered_by_a_route() -> None:
    for flow in CATALOG.values():
        taken = {e for edge in flow_edges(flow) for e in route_through(flow, edge)}
        assert taken == set(flow_edges(flow)), flow.id


def test_receipts_render_with_masked_identity() -> None:
    flow = CATALOG["si_rights_record"]
    devices = SimDevices()
    walker = Citizen(flow, devices)
    happy = route_through(flow, ("print", "next", 0, "rate"))
    for edge in happy:
        walker.take(edge)
    text = devices.receipts[0].text()
    assert devices.identity["id_number"] not in text and devices.identity["name"] not in text
    assert "累计缴费月数" in text


def _engine_state(walker: Citizen) -> tuple[str, str]:
    """What Back restores (the UI sets identity, case and error in the context itself)."""
    ctx = {k: v for k, v in walker.run.context.items() if k not in ("identity", "case", "error")}
    return walker.run.current_id, repr(ctx)


def test_back_restores_each_step_on_the_happy_path() -> None:
    for flow in CATALOG.values():
        finish = next(s for s in flow.steps.values() if s.type == "finish")
        route = route_through(flow, next(e for e in flow_edges(flow) if e[3] == finish.id))
        walker = Citizen(flow, SimDevices())
        for edge in route:
            before = _engine_state(walker)
            walker.take(edge)
            if walker.run.can_go_back:
                walker.run.back()
                assert _engine_state(walker) == before, flow.id
                walker.take(edge)


def test_license_collection_prints_on_the_license_printer_and_is_recorded() -> None:
    flow = CATALOG["license_collect"]
    devices = SimDevices()
    walker = Citizen(flow, devices)
    for edge in route_through(flow, ("record", "next", 0, "collected")):
        walker.take(edge)
    template, data = devices.documents[0]
    assert template == "business_license" and data["legal_representative"] == devices.identity["name"]
    assert walker.run.context["collection"]["collected"] is True
    assert walker.run.context["form"]["license"] == data["credit_code"]


def test_withdrawal_keeps_the_signature_with_the_case() -> None:
    flow = CATALOG["hf_withdraw_rent"]
    walker = Citizen(flow, SimDevices())
    for edge in route_through(flow, ("submit", "next", 0, "print")):
        walker.take(edge)
    assert walker.run.context["commitment"]["signature"]
    assert walker.run.context["application"]["status"] == "已受理"


def test_service_guide_lists_the_other_services() -> None:
    from backoffice.query_services import run_query

    guide = run_query("guide.services", {"lang": "zh_CN"})
    ids = {row["id"] for row in guide["services"]}
    assert "service_guide" not in ids and "license_collect" in ids
    assert all(row["materials"] for row in guide["services"])


def test_rate_case_checks_the_case_number() -> None:
    from backoffice.query_services import run_query

    assert run_query("case.lookup", {"case_no": "20261122000100004"})["found"] is False
    # a well-formed number alone is no case: the dataset holds none (the back office answers from its cases)
    assert run_query("case.lookup", {"case_no": "202611220001000042"})["found"] is False
