"""The query services flows call, answered from the synthetic demo dataset.

The back office serves these over HTTP (``POST /api/v1/query/{name}``); the
terminal's demo mode may also answer them in-process when it runs offline.
Each function takes the parameters a flow sends and returns plain JSON data.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date
from typing import Any

from backoffice.demo import data as demo_data
from flows.services import ServiceError
from wire import services


def _person(params: dict[str, Any]) -> demo_data.Person:
    person = demo_data.person_by_id(str(params.get("id_number", "")))
    if person is None:
        raise ServiceError(services.E_NO_RECORD, "no record for this person")
    return person


MAX_MONTHS = 120  # any period a query may cover: at most 10 years
MONTH = re.compile(r"^(19[0-9]{2}|2[01][0-9]{2})-(0[1-9]|1[0-2])$")
SIGNATURE = re.compile(r"M\s*-?[0-9.]+[ ,]\s*-?[0-9.]+\s*L")  # SVG path data with at least one stroke
MAX_SIGNATURE = 200_000


def _period(params: dict[str, Any], default_months: int = 12) -> tuple[str, str]:
    """A month range, bounded: YYYY-MM months (1900-2199), start not after end, at most ``MAX_MONTHS``."""
    start, end = params.get("from"), params.get("to")
    if not start or not end:
        months = params.get("months") or default_months
        if isinstance(months, str) and months.isascii() and months.isdigit() and len(months) < 4:
            months = int(months)
        if not isinstance(months, int) or isinstance(months, bool) or not 1 <= months <= MAX_MONTHS:
            raise ServiceError(services.E_BAD_PERIOD, f"months must be 1-{MAX_MONTHS}")
        return demo_data.last_months(months)
    if not (isinstance(start, str) and isinstance(end, str) and MONTH.match(start) and MONTH.match(end)):
        raise ServiceError(services.E_BAD_PERIOD, "months are YYYY-MM")
    if start > end:
        raise ServiceError(services.E_BAD_PERIOD, "period start after end")
    span = (int(end[:4]) - int(start[:4])) * 12 + int(end[5:]) - int(start[5:]) + 1
    if span > MAX_MONTHS:
        raise ServiceError(services.E_BAD_PERIOD, f"a period covers at most {MAX_MONTHS} months")
    return start, end


def si_contributions(params: dict[str, Any]) -> dict[str, Any]:
    person = _person(params)
    start, end = _period(params)
    rows = demo_data.contributions(person, start, end)
    return {
        "name": person.name,
        "id_number": person.id_number,
        "from": start,
        "to": end,
        "months": rows,
        "employer": person.employer,
        "insured_since": f"{max(int(person.birth_date[:4]) + 22, 1995)}-01",
        # each insurance's total, and the personal total as their sum: the receipt prints all four
        **(
            totals := {
                f"total_{k}": round(sum(r[k] for r in rows), 2)
                for k in ("pension", "medical", "unemployment")
            }
        ),
        "total_personal": round(sum(totals.values()), 2),
        "paid_months": sum(1 for r in rows if r["status"] == "已缴"),
        "issued": date.today().isoformat(),
    }


def si_rights_record(params: dict[str, Any]) -> dict[str, Any]:
    person = _person(params)
    start, end = demo_data.last_months(12)
    rows = demo_data.contributions(person, start, end)
    pension_total = round(sum(r["pension"] for r in rows) * 8, 2)
    return {
        "name": person.name,
        "id_number": person.id_number,
        "year": int(end[:4]),
        "pension_account_balance": pension_total,
        "paid_months_total": 96 + len(rows),
        "medical_account_balance": round(sum(r["medical"] for r in rows) * 3, 2),
        "employer": person.employer,
        "issued": date.today().isoformat(),
    }


def medical_certificate(params: dict[str, Any]) -> dict[str, Any]:
    person = _person(params)
    return {
        "name": person.name,
        "id_number": person.id_number,
        "insurance": "职工基本医疗保险",
        "status": "正常参保",
        "since": f"{max(int(person.birth_date[:4]) + 22, 1998)}-07",
        "region": person.address[:6],
        "issued": date.today().isoformat(),
    }


def hf_statement(params: dict[str, Any]) -> dict[str, Any]:
    person = _person(params)
    start, end = _period(params)
    rows = demo_data.housing_fund(person, start, end)
    return {
        "name": person.name,
        "id_number": person.id_number,
        "account": person.housing_fund_account,
        "employer": person.employer,
        "from": start,
        "to": end,
        "months": rows,
        "balance": rows[-1]["balance"] if rows else 0.0,
        "issued": date.today().isoformat(),
    }


def property_records(params: dict[str, Any]) -> dict[str, Any]:
    person = _person(params)
    return {
        "name": person.name,
        "id_number": person.id_number,
        "records": person.properties,
        "count": len(person.properties),
        "issued": date.today().isoformat(),
    }


def licenses_ready(params: dict[str, Any]) -> dict[str, Any]:
    person = _person(params)
    licenses = [dict(person.company, legal_representative=person.name)] if person.company else []
    return {"licenses": licenses, "count": len(licenses)}


def _company_of(params: dict[str, Any]) -> dict[str, Any]:
    person = _person(params)
    company = person.company
    if not company or company["credit_code"] != str(params.get("credit_code", "")):
        raise ServiceError(services.E_NO_RECORD, "no license ready for this legal representative")
    return dict(company, legal_representative=person.name)


def license_detail(params: dict[str, Any]) -> dict[str, Any]:
    """The license the legal representative chose, as the license printer's template reads it."""
    return _company_of(params)


def license_collect(params: dict[str, Any]) -> dict[str, Any]:
    """Record that the license was printed and handed over (营业执照领取登记)."""
    company = _company_of(params)
    stamp = date.today().strftime("%Y%m%d")
    return {
        "collected": True,
        "credit_code": company["credit_code"],
        "name": company["name"],
        "collection_no": f"LQ{stamp}{company['credit_code'][-6:]}",
        "collected_on": date.today().isoformat(),
    }


def hf_withdraw_apply(params: dict[str, Any]) -> dict[str, Any]:
    """公积金提取（租房）: accept the application under 告知承诺制 (commitment signed on the terminal)."""
    person = _person(params)
    if str(params.get("signed", "")).lower() not in ("true", "1", "yes"):
        raise ServiceError(services.E_UNSIGNED, "commitment not signed")
    signature = params.get("signature")  # the citizen's handwritten signature (SVG), kept with the case
    if not isinstance(signature, str) or len(signature) > MAX_SIGNATURE or not SIGNATURE.search(signature):
        raise ServiceError(services.E_UNSIGNED, "commitment signature missing")
    try:
        amount = round(float(params.get("amount") or 0), 2)
    except (ValueError, TypeError, OverflowError):
        raise ServiceError(services.E_FAILED, "amount not a number") from None
    if not math.isfinite(amount):
        raise ServiceError(services.E_AMOUNT, "amount not a number")
    start, end = demo_data.last_months(12)
    rows = demo_data.housing_fund(person, start, end)
    balance = rows[-1]["balance"] if rows else 0.0
    if amount <= 0 or amount > balance:
        raise ServiceError(services.E_AMOUNT, "amount above the withdrawable balance")
    stamp = date.today().strftime("%Y%m%d")
    return {
        "application_no": f"GJJTQ{stamp}{person.housing_fund_account[-6:]}",
        "amount": amount,
        "account": person.housing_fund_account,
        "balance": balance,
        "status": "已受理",
        "days": 3,
        "applied": date.today().isoformat(),
    }


def case_lookup(params: dict[str, Any]) -> dict[str, Any]:
    """The synthetic dataset holds no cases: the back office answers ``case.lookup`` from the cases it stores
    (``backoffice.case_lookup``), a terminal from its own store first. A well-formed number alone is no case."""
    return {"found": False, "case_no": str(params.get("case_no", ""))}


def guide_services(params: dict[str, Any]) -> dict[str, Any]:
    """The service guide (办事指南): the terminal's services and their materials, from the flow catalog."""
    from flows.guide import service_guide
    from flows.loader import load_directory

    return service_guide(load_directory(), str(params.get("lang") or "zh_CN"))


SERVICES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "si.contributions": si_contributions,
    "si.rights_record": si_rights_record,
    "medical.certificate": medical_certificate,
    "hf.statement": hf_statement,
    "property.records": property_records,
    "license.ready": licenses_ready,
    "license.detail": license_detail,
    "license.collect": license_collect,
    "hf.withdraw_apply": hf_withdraw_apply,
    "case.lookup": case_lookup,
    "guide.services": guide_services,
}


def run_query(name: str, params: dict[str, Any]) -> dict[str, Any]:
    try:
        service = SERVICES[name]
    except KeyError:
        raise ServiceError(services.E_UNKNOWN, f"unknown service {name}") from None
    return service(params)
