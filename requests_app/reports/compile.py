"""What an access report says: compiled from the data map and the consumer's records (policy §5A).

`disclosure_compile` is a pure read: it streams the consumer's data points through the records
connectors once, and builds a `Disclosure` that the renderer and the JSON/CSV writers share.
"""

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import chain

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from records.connectors import ExportedPoint, connectors_for
from records.models import DataPointType, Recipient, Source, System
from records.selectors import consumer_known_under_16, sale_opt_out_in_force_since
from requests_app.emails import email_language
from requests_app.models import Kind, PrivacyRequest
from requests_app.systems.selectors import system_run_points

# CCPA §1798.130(a)(2)(B): the look-back reaches to 1 January 2022.
PERIOD_START = date(2022, 1, 1)
REGS_7024D = "Cal. Code Regs. tit. 11, §7024(d)"
# Point types that record a disclosure: the line names the recipient (the system's partners).
SHARING_TYPES = frozenset({"partner_share"})
CELSIUS = re.compile(r"(-?\d+(?:\.\d+)?) ?°C(?! \()")


def with_fahrenheit(value: str) -> str:
    """'36.7 °C' reads '36.7 °C (98.1 °F)' for readers used to Fahrenheit; a value already giving
    both is left alone."""
    return CELSIUS.sub(lambda m: f"{m.group(0)} ({float(m.group(1)) * 9 / 5 + 32:.1f} °F)", value)


RETENTION_STATEMENT = gettext_lazy(
    "We keep personal information for as long as we need it for the purposes described in our privacy "
    "policy (section 3). Some information may stay in our systems after you ask us to delete it, where "
    "the law allows or requires it: to comply with legal obligations, collect fees owed, resolve "
    "disputes, enforce our legal rights, carry out investigations those require, and otherwise use "
    "internally in a lawful way that you would reasonably expect (privacy policy, section 7)."
)
POSTAL_ADDRESS = (
    "Rakuten USA, Inc. d/b/a Rakuten Americas",
    "RE: RakuNest Privacy",
    "900 Concar Drive",
    "San Mateo, California 94402, U.S.A.",
)


def withheld_sentence(type_name: str) -> str:
    """What we say instead of a never-disclose value (Regs §7024(d)): that we hold it, not what it is."""
    name = type_name[:1].lower() + type_name[1:]
    return _(
        "We hold your %(name)s, but we do not disclose its value: the law forbids sending this type of "
        "information, to protect you from identity theft (%(regs)s)."
    ) % {"name": name, "regs": REGS_7024D}


@dataclass(frozen=True, slots=True)
class PointLine:
    """One specific piece of information; `value` is None when withheld."""

    system: str
    type_name: str
    category: str
    source: str
    collected_at: datetime
    value: str | None
    shared_with: str = ""  # a record of sharing: who received it (its source would read "you, directly")


@dataclass
class CategoryLine:
    name: str
    description: str
    sensitive: bool
    types: list[str]
    count: int


@dataclass(frozen=True)
class NamedLine:
    name: str
    description: str
    label: str = ""


@dataclass(frozen=True)
class RecipientLine:
    name: str
    kind: str
    section: str
    description: str
    categories: list[str]
    address: str = ""


@dataclass(frozen=True)
class WithheldType:
    name: str
    category: str
    systems: list[str]
    count: int
    sentence: str


@dataclass
class SystemSection:
    code: str
    name: str
    description: str
    retention: str
    count: int = 0
    categories: list[str] = field(default_factory=list)
    points: list[PointLine] = field(default_factory=list)


@dataclass
class Disclosure:
    reference: str
    kind: str
    kind_label: str
    specific: bool
    consumer_name: str
    generated_at: datetime
    period_start: date
    period_end: date
    point_count: int
    categories: list[CategoryLine]
    sources: list[NamedLine]
    purposes: list[NamedLine]
    recipients_by_category: list[tuple[str, list[str]]]
    sold: list[RecipientLine]
    disclosed: list[RecipientLine]
    withheld: list[WithheldType]
    systems: list[SystemSection]
    opted_out_of_sale_on: datetime | None
    retention_statement: str = RETENTION_STATEMENT
    contact_email: str = ""
    contact_phone: str = ""
    postal_address: tuple[str, ...] = POSTAL_ADDRESS
    site_url: str = ""
    full_period: bool = True  # everything since PERIOD_START, not a range the requester chose
    language: str = "en"  # the request's (Submission.language): the report's headings and sentences


def _recipient_line(recipient: Recipient, categories: list[str]) -> RecipientLine:
    return RecipientLine(
        name=recipient.name,
        kind=recipient.get_kind_display(),
        section=recipient.section,
        description=recipient.description,
        categories=categories,
        address=recipient.postal_address,
    )


@dataclass
class _Tally:
    """What the export of one consumer's records amounts to, gathered in one pass over the points."""

    sections: dict[str, SystemSection] = field(default_factory=dict)
    type_counts: Counter[str] = field(default_factory=Counter)
    type_systems: dict[str, dict[str, None]] = field(default_factory=lambda: defaultdict(dict))
    source_codes: dict[str, None] = field(default_factory=dict)
    system_categories: dict[str, dict[str, None]] = field(default_factory=lambda: defaultdict(dict))
    total: int = 0


def disclosure_compile(*, request: PrivacyRequest, language: str | None = None) -> Disclosure:
    """Build the disclosure for an access request (know_categories or access_specific) of a matched consumer,
    in `language` (default: the language the request was made in)."""
    language = email_language(language or request.submission.language)
    # Sentences made here (withheld types, recipient kinds) are in the report's language, not the worker's.
    with translation.override(language):
        return _disclosure_compile(request=request, language=language)


def _disclosure_compile(*, request: PrivacyRequest, language: str) -> Disclosure:
    consumer = request.consumer
    if consumer is None:
        raise ValueError("an access report needs a matched consumer")
    specific = request.kind == Kind.ACCESS_SPECIFIC
    systems = {
        s.code: s for s in System.objects.prefetch_related("purposes", "recipients__categories", "categories")
    }
    types = {t.code: t for t in DataPointType.objects.select_related("category")}
    sources = {s.code: s for s in Source.objects.all()}

    today = timezone.localdate()
    period_start, period_end = request.data_from or PERIOD_START, request.data_to or today
    tally = _exports_tally(
        consumer,
        period=(period_start, period_end),
        systems=systems,
        types=types,
        sources=sources,
        specific=specific,
        external=system_run_points(request=request),  # (external systems) after the built-in points
    )
    held_types = [t for t in types.values() if tally.type_counts[t.code]]  # data-map order: by category
    categories_held = _categories_held(held_types, tally)
    if consumer_known_under_16(consumer):
        # Known to be under 16: every category of their information is sensitive personal information.
        for line in categories_held.values():
            line.sensitive = True
    category_names = {code: line.name for code, line in categories_held.items()}
    used_systems = [s for s in systems.values() if s.code in tally.sections]
    for code, section in tally.sections.items():
        section.categories = [category_names[c] for c in tally.system_categories[code]]
    sold, disclosed = _sold_and_disclosed(used_systems, tally, category_names)
    purposes = {p.pk: p for s in used_systems for p in s.purposes.all()}

    now = timezone.now()
    return Disclosure(
        reference=request.reference,
        kind=request.kind,
        kind_label=Kind(request.kind).label,
        specific=specific,
        consumer_name=f"{consumer.first_name} {consumer.last_name}".strip(),
        generated_at=now,
        period_start=period_start,
        period_end=period_end,
        full_period=request.data_from is None and request.data_to is None,
        point_count=tally.total,
        categories=list(categories_held.values()),
        sources=[
            NamedLine(name=sources[c].name, description=sources[c].description) for c in tally.source_codes
        ],
        purposes=[
            NamedLine(name=p.name, description=p.description, label=p.letter)
            for p in sorted(purposes.values(), key=lambda p: p.letter)
        ],
        recipients_by_category=_recipients_by_category(categories_held, category_names),
        sold=sold,
        disclosed=disclosed,
        withheld=_withheld(held_types, tally),
        systems=[tally.sections[s.code] for s in used_systems],
        opted_out_of_sale_on=sale_opt_out_in_force_since(consumer=consumer),
        contact_email=settings.PRIVACY_CONTACT_EMAIL,
        contact_phone=settings.PRIVACY_CONTACT_PHONE,
        site_url=settings.SITE_URL,
        language=language,
    )


def _exports_tally(
    consumer,
    *,
    systems,
    types,
    sources,
    specific: bool,
    external: Iterable[ExportedPoint] = (),
    period: tuple[date, date] | None = None,
) -> _Tally:
    """One pass over every connector's export, then the external systems' (requests_app.systems):
    counts per system and type, and the lines of a specific-pieces report (a never-disclose type's
    value is left out, Regs §7024(d))."""
    tally = _Tally()
    builtin = chain.from_iterable(connector.export(consumer) for connector in connectors_for(consumer))
    for point in chain(builtin, external):
        if period is not None and not period[0] <= timezone.localdate(point.collected_at) <= period[1]:
            continue  # outside the range the requester asked for (everything since 2022 by default)
        system, point_type = systems[point.system_code], types[point.type_code]
        section = tally.sections.get(system.code)
        if section is None:
            section = tally.sections[system.code] = SystemSection(
                code=system.code,
                name=system.name,
                description=system.description,
                retention=system.retention,
            )
        section.count += 1
        tally.total += 1
        tally.type_counts[point_type.code] += 1
        tally.type_systems[point_type.code][system.name] = None
        tally.source_codes[point.source_code] = None
        tally.system_categories[system.code][point_type.category.code] = None
        if specific:
            value = None if point_type.never_disclose else with_fahrenheit(point.value)
            shared_with = ""
            if point_type.code in SHARING_TYPES:
                shared_with = ", ".join(r.name for r in system.recipients.all() if r.receives_sale)
            section.points.append(
                PointLine(
                    system=system.name,
                    type_name=point_type.name,
                    category=point_type.category.name,
                    source=sources[point.source_code].name,
                    collected_at=point.collected_at,
                    value=value,
                    shared_with=shared_with,
                )
            )
    return tally


def _categories_held(held_types: list[DataPointType], tally: _Tally) -> dict[str, CategoryLine]:
    categories_held: dict[str, CategoryLine] = {}
    for point_type in held_types:
        category = point_type.category
        line = categories_held.setdefault(
            category.code,
            CategoryLine(
                name=category.name,
                description=category.description,
                sensitive=category.sensitive,
                types=[],
                count=0,
            ),
        )
        line.types.append(point_type.name)
        line.count += tally.type_counts[point_type.code]
    return categories_held


def _recipients_by_category(
    categories_held: dict[str, CategoryLine], category_names: dict[str, str]
) -> list[tuple[str, list[str]]]:
    """Per category held, every recipient the data map names for it (CCPA §1798.110(c))."""
    all_recipients = Recipient.objects.prefetch_related("categories").order_by("section", "name")
    return [
        (
            category_names[code],
            [r.name for r in all_recipients if any(c.code == code for c in r.categories.all())],
        )
        for code in categories_held
    ]


def _sold_and_disclosed(
    used_systems: list[System], tally: _Tally, category_names: dict[str, str]
) -> tuple[list[RecipientLine], list[RecipientLine]]:
    """The recipients of the systems holding this consumer's data, with the categories each received:
    sold/shared apart from disclosed for a business purpose (CCPA §1798.115(a))."""
    sold: dict[str, RecipientLine] = {}
    disclosed: dict[str, RecipientLine] = {}
    for system in used_systems:
        held_here = tally.system_categories[system.code]
        for recipient in system.recipients.all():
            shared = [category_names[c.code] for c in recipient.categories.all() if c.code in held_here]
            if not shared:
                continue
            target = sold if recipient.receives_sale else disclosed
            known = target.get(recipient.code)
            merged = list(dict.fromkeys([*(known.categories if known else []), *shared]))
            target[recipient.code] = _recipient_line(recipient, merged)
    return list(sold.values()), list(disclosed.values())


def _withheld(held_types: list[DataPointType], tally: _Tally) -> list[WithheldType]:
    return [
        WithheldType(
            name=t.name,
            category=t.category.name,
            systems=list(tally.type_systems[t.code]),
            count=tally.type_counts[t.code],
            sentence=withheld_sentence(t.name),
        )
        for t in held_types
        if t.never_disclose
    ]
