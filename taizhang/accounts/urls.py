from __future__ import annotations

from django.urls import path

from taizhang.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("otp/setup/", views.otp_setup, name="otp_setup"),
    path("otp/verify/", views.otp_verify, name="otp_verify"),
    path("users/<int:pk>/otp-reset/", views.otp_reset, name="otp_reset"),
    path("users/", views.user_list, name="user_list"),
    path("users/<int:pk>/", views.user_detail, name="user_detail"),
    path("users/<int:pk>/roles/", views.role_grant, name="role_grant"),
    path("users/<int:pk>/password-reset/", views.password_reset, name="password_reset"),
    path("users/<int:pk>/active/", views.user_set_active, name="user_set_active"),
    path("roles/<int:pk>/revoke/", views.role_revoke, name="role_revoke"),
    path("members/<int:member_pk>/account/", views.account_create, name="account_create"),
]
