"""The events a terminal's outbox sends (``POST /api/v1/events``) and the limits the back office applies.

The terminal's store queues them (``offline_cache``), the sync client posts them in batches, the back
office turns each kind into a row; a kind the server does not know yet is kept and acknowledged.
"""

from __future__ import annotations

EVENT_CASE = "case"  # a closed case (outcome, timings); personal data purged after acknowledgement
EVENT_RATING = "rating"  # the citizen's 1-5 rating of a case
EVENT_DEVICE = "device_event"  # a device state change (no personal data)
EVENT_HELP = "help_call"  # the citizen pressed 呼叫帮助: terminal and screen, never personal data
EVENT_SUBMISSION = "submission"  # an application queued offline, run once by the back office
EVENT_COMMAND_ACK = "command_ack"  # a remote command run, refused or failed (wire/commands.py)

EVENT_KINDS: frozenset[str] = frozenset(
    {EVENT_CASE, EVENT_RATING, EVENT_DEVICE, EVENT_SUBMISSION, EVENT_COMMAND_ACK, EVENT_HELP}
)

# Field limits of an event envelope and of the text fields the back office keeps (longer text is cut).
IDEM_KEY_MAX = 64
KIND_MAX = 32
CASE_NO_MAX = 64
CODE_MAX = 128  # service_id, item_code, device reason
STATE_MAX = 32  # a device's state
OUTCOME_MAX = 64  # a case's outcome
DEVICE_MAX = 64  # a device's name
CHANNEL_MAX = 64  # where a rating was given
TEXT_MAX = 2000  # rating comment, device detail
SCREEN_MAX = 32  # the screen a help call was made on (a screen's name, never text the citizen typed)
HELP_SCREEN_PATTERN = r"^[a-z][a-z0-9_]{0,31}$"  # a help call's screen: a name, or it is dropped
HELP_SERVICE_PATTERN = r"^[A-Za-z0-9_.:-]{1,128}$"  # a help call's service id (a flow id), or it is dropped
RATING_LEVELS = range(1, 6)


def terminal_digits(terminal_id: str) -> str:
    """The 4 digits a terminal puts in its 办件编号 (date, these digits, a daily sequence): its id's last digits.
    The back office reads them to tell a terminal's own case, perhaps still in its outbox, from another's."""
    return "".join(ch for ch in terminal_id if ch.isdigit())[-4:].rjust(4, "0")


# A rating (好差评, flows/ratings.yaml version 2): ``indicators`` maps an indicator id to its score,
# ``reasons`` lists 差评 reason ids, ``set_version`` names the rating set they come from.
RATING_INDICATORS_MAX = 16  # indicator scores kept from one rating
RATING_REASONS_MAX = 16  # 差评 reasons kept from one rating
RATING_ID_MAX = 32  # an indicator or reason id
RATING_COMMENT_MAX = 200  # the citizen's free-text 意见 (the screen and the phone page stop there too)
CHANNEL_TERMINAL = "self_service_terminal"  # rated on the terminal after the case
CHANNEL_PHONE = "phone"  # rated later on a phone, through the receipt's QR code
