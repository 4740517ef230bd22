"""A generated catalog of 170 services in 8 categories with realistic Chinese titles (tests and bench)."""

from __future__ import annotations

from typing import Any

CATEGORIES = (
    "social_security",
    "medical_insurance",
    "housing_fund",
    "real_estate",
    "business",
    "general",
    "guide",
    "rating",
)
SUBJECTS = {
    "social_security": "社保",
    "medical_insurance": "医保",
    "housing_fund": "公积金",
    "real_estate": "不动产",
    "business": "企业",
    "general": "户籍",
    "guide": "办事",
    "rating": "服务",
}
ACTIONS = (
    "参保缴费证明打印",
    "个人权益记录查询",
    "待遇资格认证",
    "信息变更",
    "转移接续申请",
    "账户余额查询",
    "缴费基数查询",
    "证明材料打印",
    "登记信息查询",
    "年度对账单打印",
    "异地备案",
    "提取申请",
    "贷款进度查询",
    "卡片挂失",
    "密码重置",
    "电子凭证申领",
    "补换证申请",
    "缴存明细打印",
    "退休待遇查询",
    "失业登记",
    "就业创业证申领",
    "单位信息查询",
)
IDENTITIES = ("id_card", "ss_card", "either", "none")


def generated_items(n: int = 170) -> tuple[list[dict[str, Any]], dict[str, str]]:
    items, identities = [], {}
    for i in range(n):
        category = CATEGORIES[i % len(CATEGORIES)]
        title = SUBJECTS[category] + ACTIONS[(i // len(CATEGORIES)) % len(ACTIONS)]
        service_id = f"svc_{i:03d}"
        items.append(
            {
                "id": service_id,
                "title": title,
                "icon": "document",
                "category": category,
                "category_id": category,
                "available": True,
                "reason": "",
            }
        )
        identities[service_id] = IDENTITIES[i % len(IDENTITIES)]
    return items, identities
