"""Synthetic demo data: persons with valid ID numbers and their records.

Everything is generated from a fixed seed so the demo, the tests and the
benchmarks see the same people. None of these people exist.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from functools import cache

from common.gb11643 import gb11643_check_char
from common.months import month_add

SEED = 20261122

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_GIVEN = [
    "秀英",
    "建国",
    "桂兰",
    "志强",
    "丽娟",
    "海燕",
    "伟",
    "芳",
    "静",
    "敏",
    "军",
    "洋",
    "婷婷",
    "浩然",
    "子涵",
    "雨轩",
    "德明",
    "淑珍",
    "玉兰",
    "国华",
]
_DISTRICTS = [
    ("420102", "湖北省武汉市江岸区", "沿江大道"),
    ("420103", "湖北省武汉市江汉区", "解放大道"),
    ("420106", "湖北省武汉市武昌区", "中北路"),
    ("420111", "湖北省武汉市洪山区", "珞喻路"),
    ("420116", "湖北省武汉市黄陂区", "前川大道"),
    ("420302", "湖北省十堰市茅箭区", "北京中路"),
]
_EMPLOYERS = [
    "武汉长江物流有限公司",
    "武汉光谷信息技术有限公司",
    "湖北楚天建设集团有限公司",
    "武汉市江汉区社区服务中心",
    "十堰东风零部件有限公司",
    "武汉汉味餐饮管理有限公司",
]

# Contribution rates (personal, employer) per insurance, Hubei-like figures.
RATES = {"pension": (0.08, 0.16), "medical": (0.02, 0.08), "unemployment": (0.003, 0.007)}


@dataclass(frozen=True)
class Person:
    name: str
    id_number: str
    gender: str  # '1' male, '2' female
    nation: str
    birth_date: str
    address: str
    authority: str
    valid_from: str
    valid_to: str
    employer: str
    base: int  # monthly contribution base in yuan
    housing_fund_account: str
    properties: list[dict] = field(default_factory=list)
    company: dict | None = None  # business of which the person is legal representative


def make_id_number(region: str, birth: str, sequence: int) -> str:
    first17 = f"{region}{birth}{sequence:03d}"
    return first17 + gb11643_check_char(first17)


@cache
def persons() -> tuple[Person, ...]:
    rng = random.Random(SEED)
    people = []
    for i in range(24):
        region, place, street = _DISTRICTS[i % len(_DISTRICTS)]
        year = 1950 + rng.randrange(0, 52)
        birth = f"{year}{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}"
        gender = "1" if i % 2 == 0 else "2"
        sequence = rng.randrange(10, 499) * 2 + (1 if gender == "1" else 0)
        name = _SURNAMES[i % len(_SURNAMES)] + _GIVEN[(i * 7) % len(_GIVEN)]
        issued_year = max(year + 16, 2006) + rng.randrange(0, 10)
        long_term = year < 1975
        valid_to = "长期" if long_term else f"{issued_year + 20}{birth[4:]}"
        properties = []
        if i % 3 != 2:
            properties.append(
                {
                    "certificate": f"鄂({2015 + i % 9})武汉市不动产权第{rng.randrange(100000, 999999):07d}号",
                    "location": f"{place}{street}{rng.randrange(1, 300)}号{rng.randrange(1, 30)}栋{rng.randrange(1, 3)}单元"
                    f"{rng.randrange(1, 33)}{rng.randrange(1, 5):02d}室",
                    "area": round(rng.uniform(45, 160), 2),
                    "use": "住宅",
                    "right_type": "国有建设用地使用权/房屋所有权",
                    "registered": f"{2012 + i % 12}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
                    "mortgaged": i % 4 == 0,
                }
            )
        company = None
        if i % 4 == 1:
            company = {
                "name": _EMPLOYERS[i % len(_EMPLOYERS)].replace("有限公司", f"{i}号店有限公司"),
                "credit_code": f"91420{rng.randrange(100, 999)}MA{rng.randrange(10000000, 99999999)}",
                "type": "有限责任公司（自然人投资或控股）",
                "capital": f"{rng.randrange(10, 500)}万元人民币",
                "established": f"{2015 + i % 10}年{rng.randrange(1, 13)}月{rng.randrange(1, 29)}日",
                "scope": "一般项目：技术服务、技术开发、技术咨询；日用百货销售。",
                "address": f"{place}{street}{rng.randrange(1, 300)}号",
                "ready": True,
            }
        people.append(
            Person(
                name=name,
                id_number=make_id_number(region, birth, sequence),
                gender=gender,
                nation="汉",
                birth_date=birth,
                address=f"{place}{street}{rng.randrange(1, 400)}号",
                authority=f"武汉市公安局{place[-3:]}分局" if "武汉" in place else "十堰市公安局茅箭分局",
                valid_from=f"{issued_year}{birth[4:]}",
                valid_to=valid_to,
                employer=_EMPLOYERS[i % len(_EMPLOYERS)],
                base=rng.randrange(40, 160) * 50,
                housing_fund_account=f"{rng.randrange(10**11, 10**12)}",
                properties=properties,
                company=company,
            )
        )
    return tuple(people)


def person_by_id(id_number: str) -> Person | None:
    return next((p for p in persons() if p.id_number == id_number.upper()), None)


def last_months(count: int, today: date | None = None) -> tuple[str, str]:
    """The first and last month (YYYY-MM) of the ``count`` months before ``today``'s month."""
    today = today or date.today()
    end = month_add(today.year, today.month, -1)
    start = month_add(end[0], end[1], -(count - 1))
    return f"{start[0]}-{start[1]:02d}", f"{end[0]}-{end[1]:02d}"


def contributions(person: Person, start: str, end: str) -> list[dict]:
    """Monthly social-insurance contributions between two months (inclusive), oldest first."""
    y, m = (int(x) for x in start.split("-"))
    ey, em = (int(x) for x in end.split("-"))
    rows = []
    born = int(person.birth_date[:4])
    while (y, m) <= (ey, em):
        if y - born < 60 or person.gender == "2" and y - born < 55:
            base = person.base + 50 * ((y - 2000) // 2)
            paid = (y * 12 + m) % 29 != 0  # an occasional arrears month
            rows.append(
                {
                    "month": f"{y}-{m:02d}",
                    "employer": person.employer,
                    "base": base,
                    "pension": round(base * RATES["pension"][0], 2),
                    "pension_employer": round(base * RATES["pension"][1], 2),
                    "medical": round(base * RATES["medical"][0], 2),
                    "unemployment": round(base * RATES["unemployment"][0], 2),
                    "status": "已缴" if paid else "欠缴",
                }
            )
        y, m = month_add(y, m, 1)
    return rows


def housing_fund(person: Person, start: str, end: str) -> list[dict]:
    y, m = (int(x) for x in start.split("-"))
    ey, em = (int(x) for x in end.split("-"))
    rows, balance = [], round(person.base * 0.24 * 30, 2)
    while (y, m) <= (ey, em):
        amount = round(person.base * 0.12, 2)
        balance = round(balance + amount * 2, 2)
        rows.append({"month": f"{y}-{m:02d}", "personal": amount, "employer": amount, "balance": balance})
        y, m = month_add(y, m, 1)
    return rows


def demo_cards() -> list[dict]:
    """ID cards for the reader simulator, in the field names of :class:`drivers.identity.Identity`."""
    return [
        {
            "card_type": "resident",
            "name": p.name,
            "id_number": p.id_number,
            "gender": p.gender,
            "nation": p.nation,
            "birth_date": p.birth_date,
            "address": p.address,
            "authority": p.authority,
            "valid_from": p.valid_from,
            "valid_to": p.valid_to,
        }
        for p in persons()
    ]
