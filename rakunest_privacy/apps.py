from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    """The Django admin with staff's site: password sign-in and MFA through /staff/ (staff/admin_site.py)."""

    default_site = "staff.admin_site.StaffAdminSite"
