"""The closed set of case outcomes, and how a session's end maps onto it.

An outcome says what the citizen got, not which screen they last saw: a citizen who took the
paper and walked away from the rating screen is ``completed`` (and unrated), a print that failed
is ``failed`` with the reason ``printer`` even though the flow went on to its last screen.
Documented for operators in docs/outcomes.md; the back office lists it with each case.
"""

from __future__ import annotations

COMPLETED = "completed"  # the paper came out / the application was accepted
NOTHING_TO_DELIVER = "nothing_to_deliver"  # no record, no licence ready: nothing the terminal could hand over
DECLINED = "declined"  # the citizen said no: commitment not accepted, "this is not me"
FAILED = "failed"  # the terminal or a service could not deliver (see REASONS)
CANCELLED = "cancelled"  # Home, or the identifying card lifted before the paper
ABANDONED = "abandoned"  # the inactivity timeout ended the session before the deliverable
INTERRUPTED = "interrupted"  # the terminal restarted mid-case (closed at start-up)

OUTCOMES = (COMPLETED, NOTHING_TO_DELIVER, DECLINED, FAILED, CANCELLED, ABANDONED, INTERRUPTED)
# What a finish step may declare (the others are decided by the session, never by a flow).
FINISH_OUTCOMES = (COMPLETED, NOTHING_TO_DELIVER, DECLINED, FAILED)

# Why a case failed: the printer, the back-office service answering an error, the network, or the terminal itself.
PRINTER, SERVICE, NETWORK, TERMINAL = "printer", "service", "network", "terminal"
REASONS = (PRINTER, SERVICE, NETWORK, TERMINAL)


def ended_early(requested: str, delivered: bool) -> str:
    """The outcome of a session that ended before its finish step: once the deliverable is out, the
    session is ``completed`` whatever ended it (Home on the rating screen, the timeout, a lifted card)."""
    return COMPLETED if delivered else requested
