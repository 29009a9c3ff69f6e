from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from convoy.forms.safety import AdminSignInForm, SignInForm
from sadmf.health import healthz

admin.site.login_form = AdminSignInForm  # the username's length enforced (issue 10)

urlpatterns = [
    path("signin/", auth_views.LoginView.as_view(authentication_form=SignInForm), name="login"),
    path("signout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("", include("convoy.urls")),
]
