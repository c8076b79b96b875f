"""Browser routes of the SSO protocols."""

from django.urls import path

from trainwave.server.sso import views

urlpatterns = [
    path("start/", views.start, name="sso-start"),
    path(
        "oidc/<str:connection_id>/callback/",
        views.oidc_callback,
        name="sso-oidc-callback",
    ),
    path(
        "saml/<str:connection_id>/metadata/",
        views.saml_metadata,
        name="sso-saml-metadata",
    ),
    path("saml/<str:connection_id>/acs/", views.saml_acs, name="sso-saml-acs"),
    path("saml/<str:connection_id>/finish/", views.saml_finish, name="sso-saml-finish"),
    path("ldap/<str:connection_id>/login/", views.ldap_login, name="sso-ldap-login"),
]
