"""What the business holds: the data map of the privacy policy (§2–§4) and consumer records.

Consumers' identifiers are stored normalised (verification.normalize) and indexed for exact lookup;
everything else the business holds about a person is a DataPoint tied to a System of the data map.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DataCategory(models.Model):
    """A category of personal information from policy §2 (CCPA §1798.140(v))."""

    code = models.SlugField(unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField()
    sensitive = models.BooleanField(
        default=False, help_text=_("Sensitive personal information (Civ. Code §1798.140(ae)).")
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        verbose_name_plural = "data categories"

    def __str__(self) -> str:
        return self.name


class DataPointType(models.Model):
    """A kind of value held (e.g. e-mail, passport number), with the rules for disclosing it."""

    code = models.SlugField(unique=True)
    name = models.CharField(max_length=120)
    category = models.ForeignKey(DataCategory, on_delete=models.PROTECT, related_name="point_types")
    never_disclose = models.BooleanField(
        default=False,
        help_text=_("Value withheld from access reports; we say only that we hold it (Regs §7024(d))."),
    )
    sensitive = models.BooleanField(
        default=False, help_text=_("Raises the verification bar for delete/correct.")
    )

    class Meta:
        ordering = ["category__position", "name"]

    def __str__(self) -> str:
        return self.name


class Source(models.Model):
    code = models.SlugField(unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField()

    def __str__(self) -> str:
        return self.name


class Purpose(models.Model):
    """A business purpose from policy §3 A–F."""

    code = models.SlugField(unique=True)
    letter = models.CharField(max_length=1)
    name = models.CharField(max_length=120)
    description = models.TextField()

    class Meta:
        ordering = ["letter"]

    def __str__(self) -> str:
        return f"{self.letter}. {self.name}"


class Recipient(models.Model):
    """Who receives personal information (policy §4 A–F)."""

    class Kind(models.TextChoices):
        SERVICE_PROVIDER = "service_provider", _("Service provider or contractor")
        PARTNER = "partner", _("Third-party partner (sale)")
        AT_DIRECTION = "at_direction", _("Third party at the consumer's direction")
        AUTHORITY = "authority", _("Public authority")
        ACQUIRER = "acquirer", _("Party to a business transaction")

    class Notify(models.TextChoices):
        NONE = "none", _("Not notified")
        EMAIL = "email", _("E-mail")
        WEBHOOK = "webhook", _("Signed webhook")

    code = models.SlugField(unique=True)
    name = models.CharField(max_length=160)
    kind = models.CharField(max_length=24, choices=Kind.choices)
    section = models.CharField(max_length=4, help_text=_("Policy section, e.g. 4A."))
    description = models.TextField()
    postal_address = models.TextField(blank=True)
    categories = models.ManyToManyField(DataCategory, related_name="recipients", blank=True)
    receives_sale = models.BooleanField(default=False, help_text=_("Receives data the law treats as sold."))
    direct_marketing = models.BooleanField(
        default=False, help_text=_("Uses the data for its own direct marketing (Shine the Light, §1798.83).")
    )
    notify_by = models.CharField(max_length=8, choices=Notify.choices, default=Notify.NONE)
    notify_email = models.EmailField(blank=True)
    webhook_url = models.URLField(blank=True)

    def __str__(self) -> str:
        return self.name


class System(models.Model):
    """Where data lives; the unit of export, erasure and correction."""

    class Erasure(models.TextChoices):
        DELETE = "delete", _("Delete")
        DEIDENTIFY = "deidentify", _("De-identify in place")
        RETAIN = "retain", _("Retain with a reason")

    class Connector(models.TextChoices):
        BUILTIN = "builtin", _("Built-in (the portal's own tables)")
        SQL = "sql", _("SQL database")
        HTTP = "http", _("HTTP / SaaS API")
        MANUAL = "manual", _("Manual (the system's owner)")

    code = models.SlugField(unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField()
    categories = models.ManyToManyField(DataCategory, related_name="systems")
    sources = models.ManyToManyField(Source, related_name="systems")
    purposes = models.ManyToManyField(Purpose, related_name="systems")
    recipients = models.ManyToManyField(Recipient, related_name="systems", blank=True)
    erasure = models.CharField(max_length=12, choices=Erasure.choices, default=Erasure.DELETE)
    retention = models.TextField(
        help_text=_("How long and why, in words a consumer understands (policy §7).")
    )
    # The statement's time limit, enforced by the retention purge (records/retention.py): the portal's
    # copies collected longer ago than this are deleted (de-identified for a de-identifying system).
    # Empty when the statement keeps data by an event (membership ends, you unsubscribe), not by age.
    retention_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=_(
            "Days after collection the data is kept (the retention statement's limit); empty: no age limit."
        ),
    )
    position = models.PositiveSmallIntegerField(default=0)
    # How fulfilment reaches the system (records/connectors/registry.py). Built-in: the portal's own
    # copy in DataPoint. Others are described by a dataset file versioned with the deployment; secrets
    # stay in the environment variables the file names, never here.
    connector = models.CharField(max_length=8, choices=Connector.choices, default=Connector.BUILTIN)
    dataset_path = models.CharField(
        max_length=255,
        blank=True,
        help_text=_("Dataset or config file (YAML), absolute or relative to the project directory."),
    )
    # Manual systems: who answers for the system (owner tasks are e-mailed here, with no personal data).
    owner_email = models.EmailField(
        blank=True,
        help_text=_("Manual systems: the address of the person who searches, exports and erases in it."),
    )
    # The last `manage.py connector_check` of this system (shown in the admin): problems and warnings
    # name tables, fields and endpoints, never a person or a secret.
    last_checked_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_check_ok = models.BooleanField(null=True, editable=False)
    last_check_summary = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return self.name


class Consumer(models.Model):
    """A person in the business's records. Identifier fields are normalised for exact, indexed lookup."""

    member_number = models.CharField(max_length=16, unique=True, null=True, blank=True)
    email = models.CharField(max_length=254, db_index=True)
    phone = models.CharField(max_length=20, blank=True, db_index=True)
    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    name_normalized = models.CharField(max_length=200)
    street = models.CharField(max_length=200, blank=True)
    street_normalized = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=80, blank=True)
    state = models.CharField(max_length=2, blank=True)
    zip5 = models.CharField(max_length=5, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Choices the portal acts on (policy §5A, §6B, §6C); read only by sale/marketing selectors.
    sale_opted_out_at = models.DateTimeField(null=True, blank=True)
    sale_opt_in_at = models.DateTimeField(null=True, blank=True)
    marketing_subscribed = models.BooleanField(default=True)
    account_active = models.BooleanField(default=True)
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["zip5", "date_of_birth"], name="consumer_zip_dob")]

    def __str__(self) -> str:
        return f"Consumer #{self.pk}"


class DataPoint(models.Model):
    """One value the business holds about a consumer, in one system, under one data-point type."""

    consumer = models.ForeignKey(Consumer, on_delete=models.CASCADE, related_name="data_points")
    system = models.ForeignKey(System, on_delete=models.PROTECT, related_name="data_points")
    point_type = models.ForeignKey(DataPointType, on_delete=models.PROTECT, related_name="data_points")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="data_points")
    value = models.TextField()
    collected_at = models.DateTimeField()
    redacted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["consumer", "system"], name="datapoint_consumer_system")]

    def __str__(self) -> str:
        return f"{self.point_type} in {self.system}"


class SaleOptIn(models.Model):
    """An affirmative opt-in to the sale or sharing of a consumer's information, and who gave it.

    A consumer under 16 is on the partner-sale list only with one of these given after any opt-out:
    from the consumer when 13–15, from a verified parent or guardian when under 13 (CCPA §1798.120(c)).
    """

    class GivenBy(models.TextChoices):
        CONSUMER = "consumer", _("The consumer")
        PARENT = "parent", _("A verified parent or guardian")

    consumer = models.ForeignKey(Consumer, on_delete=models.CASCADE, related_name="sale_opt_ins")
    given_by = models.CharField(max_length=8, choices=GivenBy.choices)
    given_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["consumer", "given_at"], name="sale_opt_in_consumer")]

    def __str__(self) -> str:
        return f"Sale opt-in #{self.pk}"


class RetentionHold(models.Model):
    """A reason to keep a consumer's data despite a deletion request (CCPA §1798.105(d); policy §7).

    Set by privacy staff (admin) for one system or, without a system, for everything held.
    """

    class Reason(models.TextChoices):
        FEES_OWED = "fees_owed", _("Fees are still owed under your membership")
        OPEN_DISPUTE = "open_dispute", _("An open dispute or claim needs these records")
        LEGAL_HOLD = "legal_hold", _("A legal hold requires us to preserve these records")
        SECURITY = "security", _("Security logs are kept for a limited time to protect our facilities")
        LEGAL_OBLIGATION = "legal_obligation", _("The law requires us to keep these records")

    consumer = models.ForeignKey(Consumer, on_delete=models.CASCADE, related_name="retention_holds")
    system = models.ForeignKey(
        System, on_delete=models.PROTECT, null=True, blank=True, related_name="retention_holds"
    )
    reason = models.CharField(max_length=20, choices=Reason.choices)
    note = models.TextField(blank=True, help_text=_("For staff only; never shown to the consumer."))
    created_at = models.DateTimeField(default=timezone.now)
    released_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.get_reason_display()} ({self.system or 'all systems'})"


class SuppressionEntry(models.Model):
    """A keyed hash of one identifier of an erased consumer, so that re-imported data is caught.

    Confidential: holds no identifier, no link to the consumer or the request; only the HMAC under
    SUPPRESSION_HASH_KEY (records/suppression.py), which is never shared.
    """

    class Kind(models.TextChoices):
        EMAIL = "email", _("E-mail")
        PHONE = "phone", _("Phone")
        MEMBER_NUMBER = "member_number", _("Member number")

    kind = models.CharField(max_length=16, choices=Kind.choices)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "digest"], name="suppression_kind_digest")]
        verbose_name_plural = "suppression entries"

    def __str__(self) -> str:
        return f"Suppressed {self.kind}"


class ConsumerStatement(models.Model):
    """A consumer's own statement added to their record after a denied health-information correction.

    Regs §7023(f)(3) and Civ. Code §56.16: at most 250 words, kept with the record and disclosed with it.
    """

    consumer = models.ForeignKey(Consumer, on_delete=models.CASCADE, related_name="statements")
    system = models.ForeignKey(System, on_delete=models.PROTECT, related_name="statements")
    text = models.TextField()
    request_reference = models.CharField(max_length=20)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Statement on {self.system} by consumer #{self.consumer_id}"
