"""Personal data is masked on screen and never written to a log."""

from __future__ import annotations

import logging

from common.masking import mask_id_number, mask_name
from drivers.identity import Identity
from kiosk.logging_setup import PiiScrubber, scrub


def test_masks():
    assert mask_id_number("420106199001011234") == "4201**********1234"
    assert mask_name("张三") == "*三"
    assert mask_name("王秀英") == "*秀英"
    assert mask_name("欧阳娜娜") == "**娜娜"
    assert mask_name("JOHN") == "J***"


def test_identity_repr_is_masked():
    identity = Identity("resident", "王秀英", "420106199001011234")
    assert "王秀英" not in repr(identity) and "420106199001011234" not in f"{identity}"


def test_log_scrubber_masks_id_numbers_that_slip_through(caplog):
    logger = logging.getLogger("test.privacy")
    logger.addFilter(PiiScrubber())
    with caplog.at_level(logging.INFO):
        logger.info("lookup for %s failed", "42010619900101123X")
    assert "42010619900101123X" not in caplog.text and "4201**********123X" in caplog.text
    assert (
        scrub("case 202611220001000001 ok") == "case 202611220001000001 ok"
    )  # case numbers are not ID numbers


def test_scrubber_masks_exception_text(caplog):
    logger = logging.getLogger("test.privacy.exc")
    logger.addFilter(PiiScrubber())
    with caplog.at_level(logging.ERROR):
        try:
            raise KeyError("42010619900101123X")
        except KeyError:
            logger.exception("lookup failed")
    assert "42010619900101123X" not in caplog.text and "4201**********123X" in caplog.text
