"""Who is asking: the details a requester typed, shared by the consumer, agent and opt-out flows."""

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class RequesterDetails:
    """What the requester typed, already validated and normalised by the form."""

    first_name: str
    last_name: str
    email: str
    phone: str = ""
    street: str = ""
    city: str = ""
    state: str = ""
    zip5: str = ""
    date_of_birth: date | None = None
    member_number: str = ""
