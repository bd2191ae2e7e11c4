from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from quotations.urls import client_patterns, portal_patterns, staff_patterns
from quotations.views.home import home

urlpatterns = [
    path("", home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("anymail/", include("notifications.urls")),
    path("portal/", include(portal_patterns)),
    path("client/", include(client_patterns)),
    path("staff/", include(staff_patterns)),
]
