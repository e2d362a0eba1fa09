from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from thuladmin.accounts import views as accounts_views
from thuladmin.accounts.forms import LoginForm
from thuladmin.health.views import healthz

urlpatterns = [
    path("", accounts_views.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            template_name="accounts/login.html",
            authentication_form=LoginForm,
            redirect_authenticated_user=True,
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("campaigns/", include("campaigns.urls")),
    path("customers/", include("customers.urls")),
    path("jobs/", include("thuladmin.bulk.urls")),
    path("audit/", include("thuladmin.audit.urls")),
    # Public, so the language can be switched on the login page too.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    # Public: load balancers and monitors probe it without logging in.
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
]

if settings.SANDBOX_ENABLED:
    urlpatterns.append(path("sandbox/api/", include("thuladmin.sandbox.urls")))
