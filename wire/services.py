"""The query services a flow may name, and the error codes their answers carry.

The terminal offers exactly these to flows (a bundle naming another is refused by lint: adding a service
means shipping software, adding a flow that uses one does not), and the back office must answer every one
of them (``tests/test_wire_contract.py`` checks that the two sides agree).
"""

from __future__ import annotations

SERVICE_NAMES: frozenset[str] = frozenset(
    {
        "si.contributions",
        "si.rights_record",
        "medical.certificate",
        "hf.statement",
        "hf.withdraw_apply",
        "property.records",
        "license.ready",
        "license.detail",
        "license.collect",
        "case.lookup",
        "guide.services",
    }
)

# Services whose answers are about a person (their parameters hold ``id_number``): the back office answers
# them only inside a live citizen session for that person (``POST /api/v1/sessions``, header
# ``X-Kiosk-Session``), and the terminal never caches them.
PERSONAL_SERVICES: frozenset[str] = SERVICE_NAMES - {"case.lookup", "guide.services"}

# Error codes in a refused query's {"error": ...}; each is also the text key the citizen's screen shows.
E_FAILED = "error.service.failed"
E_OFFLINE = "error.service.offline"
E_NO_RECORD = "error.service.no_record"
E_BAD_PERIOD = "error.service.bad_period"
E_BAD_REQUEST = "error.service.bad_request"
E_UNKNOWN = "error.service.unknown"
E_UNSIGNED = "error.service.unsigned"  # a commitment the citizen did not sign
E_AMOUNT = "error.service.amount"  # an amount above what the record allows
E_SESSION = "error.service.session"  # no live citizen session for this person at this terminal
E_SESSION_RATE = (
    "error.service.session_rate"  # too many citizens' sessions at this terminal: refused, alerted
)
E_LOOKUP_RATE = "error.service.lookup_rate"  # too many case lookups at this terminal (enumeration)

ERROR_CODES: frozenset[str] = frozenset(
    {
        E_FAILED,
        E_OFFLINE,
        E_NO_RECORD,
        E_BAD_PERIOD,
        E_BAD_REQUEST,
        E_UNKNOWN,
        E_UNSIGNED,
        E_AMOUNT,
        E_SESSION,
        E_SESSION_RATE,
        E_LOOKUP_RATE,
    }
)
