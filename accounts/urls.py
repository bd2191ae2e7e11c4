"""Pages anyone may open: login, logout, the language switch and the password reset.

The pages of a logged-in account (profile, password change) are the "account" area
(accounts/areas.py).
"""

from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", views.language_set, name="set_language"),
]
