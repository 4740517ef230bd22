"""The query services flows call, answered from the synthetic demo dataset.

The back office serves these over HTTP (``POST /api/v1/query/{name}``); the
terminal's demo mode may also answer them in-process when it runs offline.
Each function takes the parameters a flow sends and returns plain JSON data.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from backoffice import demo_data
from flows.services import ServiceError


def _person(params: dict[str, Any]) -> demo_data.Person:
    person = demo_data.person_by_id(str(params.get("id_number", "")))
    if person is None:
        raise ServiceError("error.service.no_record", "no record for this person")
    return person


def _period(params: dict[str, Any], default_months: int = 12) -> tuple[str, str]:
    start, end = params.get("from"), params.get("to")
    if not start or not end:
        return demo_data.last_months(int(params.get("months") or default_months))
    if start > end:
        raise ServiceError("error.service.bad_period", "period start after end")
    return str(start), str(end)


def si_contributions(params: dict[str, Any]) -> dict[str, Any]:
    person = _person(params)
    start, end = _period(params)
    rows = demo_data.contributions(person, start, end)
    return {"name": person.name, "id_number": person.id_number, "from": start, "to": end, "months": rows,
            "employer": person.employer, "insured_since": f"{max(int(person.birth_date[:4]) + 22, 1995)}-01",
            "total_personal": round(sum(r["pension"] + r["medical"] + r["unemployment"] for r in rows), 2),
            "paid_months": sum(1 for r in rows if r["status"] == "已缴"),
            "issued": date.today().isoformat()}


def si_rights_record(params: dict[str, Any]) -> dict[str, Any]:
    person = _person(params)
    start, end = demo_data.last_months(12)
    rows = demo_data.contributions(person, start, end)
    pension_total = round(sum(r["pension"] for r in rows) * 8, 2)
    return {"name": person.name, "id_number": person.id_number, "year": int(end[:4]),
            "pension_account_balance": pension_total, "paid_months_total": 96 + len(rows),
            "medical_account_balance": round(sum(r["medical"] for r in rows) * 3, 2),
            "employer": person.employer, "issued": date.today().isoformat()}


def medical_certificate(params: dict[str, Any]) -> dict[str, Any]:
    person = _person(params)
    return {"name": person.name, "id_number": person.id_number, "insurance": "职工基本医疗保险",
            "status": "正常参保", "since": f"{max(int(person.birth_date[:4]) + 22, 1998)}-07",
            "region": person.address[:6], "issued": date.today().isoformat()}


def hf_statement(params: dict[str, Any]) -> dict[str, Any]:
    person = _person(params)
    start, end = _period(params)
    rows = demo_data.housing_fund(person, start, end)
    return {"name": person.name, "id_number": person.id_number, "account": person.housing_fund_account,
            "employer": person.employer, "from": start, "to": end, "months": rows,
            "balance": rows[-1]["balance"] if rows else 0.0, "issued": date.today().isoformat()}


def property_records(params: dict[str, Any]) -> dict[str, Any]:
    person = _person(params)
    return {"name": person.name, "id_number": person.id_number, "records": person.properties,
            "count": len(person.properties), "issued": date.today().isoformat()}


def licenses_ready(params: dict[str, Any]) -> dict[str, Any]:
    person = _person(params)
    licenses = [dict(person.company, legal_representative=person.name)] if person.company else []
    return {"licenses": licenses, "count": len(licenses)}


SERVICES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "si.contributions": si_contributions,
    "si.rights_record": si_rights_record,
    "medical.certificate": medical_certificate,
    "hf.statement": hf_statement,
    "property.records": property_records,
    "license.ready": licenses_ready,
}


def run_query(name: str, params: dict[str, Any]) -> dict[str, Any]:
    try:
        service = SERVICES[name]
    except KeyError:
        raise ServiceError("error.service.unknown", f"unknown service {name}") from None
    return service(params)


class LocalQueryService:
    """In-process answers from demo data: the terminal's offline demo fallback."""

    online = True

    def query(self, service: str, params: dict[str, Any]) -> dict[str, Any]:
        return run_query(service, params)
