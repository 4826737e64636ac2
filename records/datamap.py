"""The RakuNest data map, transcribed from the privacy policy (shared/seed/privacy-policy.txt).

Loaded by a data migration; privacy admins maintain it afterwards in the Django admin.
"""

CATEGORIES = [
    # code, name, description (policy §2), sensitive
    (
        "identifiers",
        "Identifiers",
        "Your name, e-mail address, postal address, IP address, account information, unique online "
        "identifiers, social media account identifiers, driver's licence, passport or government ID "
        "information, and your image.",
        False,
    ),
    (
        "customer_records",
        "Additional customer records",
        "Your signature, physical characteristics or description to the extent contained in your image, "
        "your telephone number, account passwords and payment information.",
        False,
    ),
    (
        "protected_classifications",
        "Characteristics of protected classifications",
        "Information you give us about a disability relevant to accessing or working in our facilities.",
        True,
    ),
    (
        "commercial",
        "Commercial information",
        "Records of services or products you requested, obtained or considered.",
        False,
    ),
    (
        "internet_activity",
        "Internet or other network activity",
        "Browsing or search history, authentication for subscription access, and your interaction with "
        "the Digital RakuNest Service, our website or webinars.",
        False,
    ),
    (
        "uploaded_content",
        "Information and files you post or upload",
        "What you post, upload, create or share on communications platforms we make available (e.g. Slack).",
        False,
    ),
    (
        "health_biometric",
        "Health or biometric information",
        "Temperature or other physical checks, health evaluations, proof of vaccination status or COVID test "
        "results required to enter our California facilities.",
        True,
    ),
]

POINT_TYPES = [
    # code, name, category, never_disclose, sensitive
    ("full_name", "Full name", "identifiers", False, False),
    ("email", "E-mail address", "identifiers", False, False),
    ("postal_address", "Postal address", "identifiers", False, False),
    ("date_of_birth", "Date of birth", "identifiers", False, False),
    ("member_number", "Member number", "identifiers", False, False),
    ("ip_address", "IP address", "identifiers", False, False),
    ("online_identifier", "Online identifier (cookie or device ID)", "identifiers", False, False),
    ("social_handle", "Social media account identifier", "identifiers", False, False),
    ("drivers_license", "Driver's licence number", "identifiers", True, True),
    ("passport_number", "Passport number", "identifiers", True, True),
    ("government_id", "Government ID number", "identifiers", True, True),
    ("entry_image", "Image captured at building entry", "identifiers", False, True),
    ("signature", "Signature", "customer_records", False, False),
    ("phone", "Telephone number", "customer_records", False, False),
    ("account_password", "Account password", "customer_records", True, True),
    ("security_answer", "Security question and answer", "customer_records", True, True),
    ("payment_card", "Payment card number", "customer_records", True, True),
    ("disability_accommodation", "Accessibility accommodation", "protected_classifications", False, True),
    ("membership_plan", "Membership plan", "commercial", False, False),
    ("invoice", "Invoice", "commercial", False, False),
    ("webinar_registration", "Webinar registration", "commercial", False, False),
    ("page_view", "Page viewed", "internet_activity", False, False),
    ("login_event", "Sign-in to the Digital RakuNest Service", "internet_activity", False, False),
    ("uploaded_file", "File shared on a communications platform", "uploaded_content", False, False),
    ("message_post", "Message posted on a communications platform", "uploaded_content", False, False),
    ("temperature_check", "Temperature check", "health_biometric", False, True),
    ("vaccination_status", "Vaccination status", "health_biometric", False, True),
    ("medical_id", "Health insurance or medical ID number", "health_biometric", True, True),
    ("marketing_preference", "Marketing preference", "commercial", False, False),
    ("partner_share", "Shared with a partner for their marketing", "commercial", False, False),
]

SOURCES = [
    (
        "direct",
        "You, directly",
        "What you give us when you fill in a form or send, post or upload information.",
    ),
    (
        "device_logs",
        "Your device, automatically",
        "Log and device information collected when you use our Site, Services or webinars.",
    ),
    (
        "cookies",
        "Cookies and similar technologies",
        "Cookies and web beacons set by us or our service providers during your Site visits.",
    ),
    (
        "facilities",
        "Our facilities",
        "Building access and health checks when you visit our co-working spaces.",
    ),
]

PURPOSES = [
    (
        "provide_services",
        "A",
        "To provide our services",
        "Manage your account, grant access to subscription content and facilities, take payment, run webinars.",
    ),
    (
        "communicate",
        "B",
        "To communicate with you and provide customer service",
        "Transactional and service messages, and answering your inquiries, complaints or requests.",
    ),
    (
        "marketing",
        "C",
        "To market to you",
        "Our marketing communications, and letting our partners market their products and services to you.",
    ),
    (
        "promotion",
        "D",
        "For our promotional purposes",
        "Your feedback, or your image captured in webinars or in-person services, in our own promotion.",
    ),
    (
        "improvement",
        "E",
        "Site and services improvement, analytics",
        "Everyday operations, analysis, administration, improvement, analytics and strategic planning.",
    ),
    (
        "protection",
        "F",
        "To protect you, others and our business",
        "Security, fraud prevention, investigations, safety, and enforcing our agreements.",
    ),
]

RECIPIENTS = [
    # code, name, kind, section, description, address, categories, sale, direct marketing, notify_by
    (
        "it_hosting",
        "IT and hosting providers",
        "service_provider",
        "4A",
        "Provide IT services and host our systems.",
        "",
        "*",
        False,
        False,
        "webhook",
    ),
    (
        "event_registration",
        "Event registration platform",
        "service_provider",
        "4A",
        "Runs webinar and event registration.",
        "",
        "identifiers customer_records commercial internet_activity",
        False,
        False,
        "email",
    ),
    (
        "access_control",
        "Building access and security provider",
        "service_provider",
        "4A",
        "Maintains and controls access to our co-working spaces.",
        "",
        "identifiers customer_records health_biometric",
        False,
        False,
        "email",
    ),
    (
        "payments",
        "Payment processor",
        "service_provider",
        "4A",
        "Processes membership payments.",
        "",
        "identifiers customer_records commercial",
        False,
        False,
        "webhook",
    ),
    (
        "comms_platform",
        "Communications platform (e.g. Slack)",
        "service_provider",
        "4A",
        "Hosts the communications platforms we make available to members.",
        "",
        "identifiers uploaded_content",
        False,
        False,
        "email",
    ),
    (
        "incubation_partners",
        "Business incubation partners",
        "partner",
        "4B",
        "Partners who receive your information to market their products and services to you, including for "
        "their direct marketing, in exchange for benefits included in our Services.",
        "RakuNest Partner Network, 900 Concar Drive, San Mateo, CA 94402",
        "identifiers commercial",
        True,
        True,
        "webhook",
    ),
    (
        "referred_providers",
        "Third parties you direct us to",
        "at_direction",
        "4C",
        "Service providers we refer you to at your request, or that you choose to interact with through us.",
        "",
        "identifiers commercial",
        False,
        False,
        "none",
    ),
    (
        "authorities_law",
        "Public authorities (legal process)",
        "authority",
        "4D",
        "Official requests where disclosure is required by law or legal process.",
        "",
        "*",
        False,
        False,
        "none",
    ),
    (
        "authorities_safety",
        "Public authorities (safety)",
        "authority",
        "4E",
        "Relevant authorities when someone may be in danger or the law may have been broken.",
        "",
        "*",
        False,
        False,
        "none",
    ),
    (
        "acquirers",
        "Parties to a business transaction",
        "acquirer",
        "4F",
        "A merger, sale of assets, financing or acquisition of our business.",
        "",
        "*",
        False,
        False,
        "none",
    ),
]

SYSTEMS = [
    # code, name, description, categories, sources, purposes, recipients, erasure, retention
    (
        "member_accounts",
        "Member accounts",
        "Your RakuNest account, membership and profile.",
        "identifiers customer_records commercial protected_classifications",
        "direct",
        "provide_services communicate protection",
        "it_hosting",
        "delete",
        "Kept while your membership is active and for 2 years after it ends.",
    ),
    (
        "webinar_registrations",
        "Webinar registrations",
        "Sign-ups and attendance for our free webinars.",
        "identifiers commercial internet_activity",
        "direct device_logs",
        "provide_services communicate marketing promotion",
        "event_registration",
        "delete",
        "Kept for 2 years after the webinar.",
    ),
    (
        "building_access",
        "Building access",
        "Entry records and images captured at building entry.",
        "identifiers customer_records",
        "facilities",
        "provide_services protection",
        "access_control",
        "retain",
        "Security logs are kept for 90 days, then deleted (policy §7: security, investigations).",
    ),
    (
        "payments",
        "Payments",
        "Invoices and payment records for membership fees.",
        "identifiers customer_records commercial",
        "direct",
        "provide_services protection",
        "payments",
        "retain",
        "Kept for 7 years to meet tax and accounting obligations and to collect fees owed (policy §7).",
    ),
    (
        "health_checks",
        "Health checks",
        "Entry health checks required at our California facilities.",
        "health_biometric",
        "facilities",
        "provide_services protection",
        "access_control",
        "delete",
        "Kept for 30 days after the check.",
    ),
    (
        "comms_uploads",
        "Communications platform",
        "Files and messages you share on platforms we provide.",
        "uploaded_content identifiers",
        "direct",
        "provide_services communicate",
        "comms_platform",
        "delete",
        "Kept while your membership is active.",
    ),
    (
        "web_logs",
        "Website logs and cookies",
        "Log, device and cookie data from your use of our Site.",
        "internet_activity identifiers",
        "device_logs cookies",
        "improvement protection",
        "it_hosting",
        "deidentify",
        "Kept for 13 months, then de-identified.",
    ),
    (
        "marketing_list",
        "Marketing list",
        "Your marketing e-mail preferences.",
        "identifiers commercial",
        "direct",
        "marketing communicate",
        "",
        "delete",
        "Kept until you unsubscribe or ask us to delete it.",
    ),
    (
        "partner_sharing",
        "Partner-sharing list",
        "Information we make available to incubation partners.",
        "identifiers commercial",
        "direct",
        "marketing",
        "incubation_partners",
        "delete",
        "Kept until you opt out of sale or ask us to delete it.",
    ),
]


# The time limits of the retention statements above, in days after collection (records/retention.py).
# "13 months" is 396 days, "2 years" 730, "7 years" 2557; systems kept by an event have none.
RETENTION_DAYS = {
    "webinar_registrations": 730,
    "building_access": 90,
    "payments": 2557,
    "health_checks": 30,
    "web_logs": 396,
}


def load_data_map(apps) -> None:
    """Create or update the data map; used by the data migration and safe to run again."""
    DataCategory = apps.get_model("records", "DataCategory")
    DataPointType = apps.get_model("records", "DataPointType")
    Source = apps.get_model("records", "Source")
    Purpose = apps.get_model("records", "Purpose")
    Recipient = apps.get_model("records", "Recipient")
    System = apps.get_model("records", "System")

    categories = {}
    for position, (code, name, description, sensitive) in enumerate(CATEGORIES):
        categories[code], _ = DataCategory.objects.update_or_create(
            code=code,
            defaults={"name": name, "description": description, "sensitive": sensitive, "position": position},
        )
    for code, name, category, never_disclose, sensitive in POINT_TYPES:
        DataPointType.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "category": categories[category],
                "never_disclose": never_disclose,
                "sensitive": sensitive,
            },
        )
    sources = {
        code: Source.objects.update_or_create(code=code, defaults={"name": name, "description": description})[
            0
        ]
        for code, name, description in SOURCES
    }
    purposes = {
        code: Purpose.objects.update_or_create(
            code=code, defaults={"letter": letter, "name": name, "description": description}
        )[0]
        for code, letter, name, description in PURPOSES
    }

    def pick(mapping: dict, codes: str) -> list:
        return list(mapping.values()) if codes == "*" else [mapping[c] for c in codes.split()]

    recipients = {}
    for code, name, kind, section, description, address, cats, sale, marketing, notify in RECIPIENTS:
        recipient, _ = Recipient.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "section": section,
                "description": description,
                "postal_address": address,
                "receives_sale": sale,
                "direct_marketing": marketing,
                "notify_by": notify,
            },
        )
        recipient.categories.set(pick(categories, cats))
        recipients[code] = recipient
    for position, (code, name, description, cats, srcs, purps, recips, erasure, retention) in enumerate(
        SYSTEMS
    ):
        system, _ = System.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "description": description,
                "erasure": erasure,
                "retention": retention,
                "position": position,
            },
        )
        system.categories.set(pick(categories, cats))
        system.sources.set(pick(sources, srcs))
        system.purposes.set(pick(purposes, purps))
        system.recipients.set(pick(recipients, recips) if recips else [])
    # The time limits came with records 0006; the historical model of records 0002 has no such field.
    if any(f.name == "retention_days" for f in System._meta.get_fields()):
        for code, days in RETENTION_DAYS.items():
            System.objects.filter(code=code).update(retention_days=days)
