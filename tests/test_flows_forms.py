"""Form rules (flows.forms) and engine behaviour the UI relies on."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from flows import forms
from flows.engine import FlowError, FlowRun
from flows.loader import FLOWS_DIR, load_directory
from flows.model import Step

CATALOG = load_directory(FLOWS_DIR)


def step_with(*fields: dict) -> Step:
    return Step(id="f", type="form", title={"zh_CN": "表", "en": "Form"}, params={"fields": list(fields)})


def label() -> dict[str, str]:
    return {"zh_CN": "项", "en": "Item"}


def test_required_and_hidden_fields() -> None:
    step = CATALOG["hf_withdraw_rent"].steps["apply"]
    clean, errors = forms.validate(step, {"has_contract": "no"}, {})
    assert errors["amount"] == "form.required" and errors["phone"] == "form.required"
    assert "contract_no" not in errors  # hidden: has_contract is no
    clean, errors = forms.validate(step, {"has_contract": True, "contract_no": "x"}, {})
    assert errors["contract_no"] == "form.pattern"


def test_typed_values_are_normalised() -> None:
    step = step_with(
        {"id": "m", "type": "money", "label": label(), "min": 1, "max": 100},
        {"id": "n", "type": "number", "label": label()},
        {"id": "d", "type": "date", "label": label()},
        {"id": "p", "type": "phone", "label": label()},
        {"id": "y", "type": "yesno", "label": label()},
    )
    clean, errors = forms.validate(
        step, {"m": "12.5", "n": "7", "d": "2024-02-29", "p": "139 1234 5678", "y": "no"}
    )
    assert errors == {} and clean == {"m": 12.5, "n": 7, "d": "2024-02-29", "p": "13912345678", "y": False}
    _, errors = forms.validate(
        step, {"m": "100.01", "n": "7.5", "d": "2023-02-29", "p": "12345", "y": "maybe"}
    )
    assert errors == {
        "m": "form.too_large",
        "n": "form.invalid",
        "d": "form.bad_date",
        "p": "form.bad_phone",
        "y": "form.invalid",
    }
    _, errors = forms.validate(step, {"m": "0.5"})
    assert errors == {"m": "form.too_small"}


def test_case_number_field_takes_eighteen_digits_on_the_digit_keyboard() -> None:
    step = CATALOG["rate_case"].steps["enter"]
    [field] = forms.visible_fields(step, {})
    assert field["keyboard"] == "digits"
    assert forms.validate(step, {"case_no": "20261122000100004"})[1] == {"case_no": "form.too_short"}
    assert forms.validate(step, {"case_no": "2026112200010000ab"})[1] == {"case_no": "form.pattern"}
    assert forms.validate(step, {"case_no": "202611220001000042"}) == ({"case_no": "202611220001000042"}, {})


def test_options_from_the_context() -> None:
    step = CATALOG["license_collect"].steps["choose"]
    ctx = {
        "ready": {
            "licenses": [{"credit_code": "91A", "name": "甲公司"}, {"credit_code": "91B", "name": "乙公司"}]
        }
    }
    [field] = forms.visible_fields(step, ctx)
    assert field["options"] == [{"value": "91A", "label": "甲公司"}, {"value": "91B", "label": "乙公司"}]
    assert forms.validate(step, {"license": "91C"}, ctx)[1] == {"license": "form.not_an_option"}


def test_every_error_key_has_both_languages() -> None:
    for key in forms.ERROR_TEXTS:
        assert forms.error_text(key, "zh_CN") and forms.error_text(key, "en")


@given(st.text(max_size=30))
@example("1e30")  # found by hypothesis: quantize raised InvalidOperation
def test_validation_never_raises(value: str) -> None:
    for flow in CATALOG.values():
        for step in flow.steps.values():
            if step.type == "form":
                values = {f["id"]: value for f in step.params["fields"]}
                forms.validate(step, values, {"ready": {"licenses": []}})


def test_timeout_path_and_unhandled_outcomes() -> None:
    flow = CATALOG["hf_withdraw_rent"]
    run = FlowRun(flow, current_id="commit")
    assert run.handles("timeout")
    assert run.advance("timeout").id == "cancelled"
    run = FlowRun(flow, current_id="apply")
    assert not run.handles("timeout")  # the UI ends the session and returns home
    with pytest.raises(FlowError):
        run.advance("timeout")
    assert run.current_id == "apply" and run.history == [] and not run.can_go_back


def test_rate_skip_without_a_path_follows_next() -> None:
    run = FlowRun(CATALOG["si_contribution_print"], current_id="rate")
    assert run.advance("skip").id == "done" and run.finished
