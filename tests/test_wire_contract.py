"""Where the terminal and the back office must agree, the two sides are checked against the one definition."""

from __future__ import annotations

import json
from pathlib import Path

from backoffice.query_services import SERVICES
from wire import limits, services

I18N = Path(__file__).resolve().parents[1] / "assets" / "i18n"


def test_the_services_flows_may_call_are_the_services_the_back_office_offers() -> None:
    assert frozenset(SERVICES) == services.SERVICE_NAMES


def test_flow_lint_checks_against_the_wire_service_names() -> None:
    from flows.lint import LintContext

    assert LintContext().services == services.SERVICE_NAMES


def test_every_service_error_code_has_a_text_in_both_languages() -> None:
    for language in ("zh_CN", "en"):
        texts = json.loads((I18N / f"{language}.json").read_text(encoding="utf-8"))
        missing = sorted(code for code in services.ERROR_CODES if code not in texts)
        assert missing == [], (language, missing)


def test_one_bundle_size_limit_on_both_sides() -> None:
    import inspect

    from flows import bundles
    from kiosk.sync import bundle_fetch

    assert limits.MAX_BUNDLE_BYTES == 16 * 1024 * 1024
    assert inspect.signature(bundles.verify).parameters["max_bytes"].default == limits.MAX_BUNDLE_BYTES
    assert inspect.signature(bundles.BundleManager).parameters["max_bytes"].default == limits.MAX_BUNDLE_BYTES
    assert bundle_fetch.MAX_BUNDLE_BYTES is limits.MAX_BUNDLE_BYTES  # the download bounds the length by it
