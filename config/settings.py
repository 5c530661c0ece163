"""Settings for Client Portal.

Every value can come from the environment or from ``sites/<site>/site_config.json``
(see ``config/env.py``). Defaults are safe for production; the demo site's
config turns on what a laptop needs (plain HTTP, debug pages).
"""

from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import (
    BASE_DIR,
    SITE_CONFIG,
    SITE_DIR,
    SITE_NAME,
    env_bool,
    env_int,
    env_list,
    env_str,
)

DEBUG = env_bool("DEBUG", False)
SITE_TITLE = env_str("SITE_TITLE", "Client Portal")
PROVIDER_NAME = env_str("PROVIDER_NAME", "Example Provider Ltd")
# The provider's legal details printed on invoices and statements (billing PDFs).
PROVIDER_LEGAL = {
    "name": PROVIDER_NAME,
    "short_name": env_str("PROVIDER_SHORT_NAME", "Example Provider"),
    "address_line": env_str("PROVIDER_ADDRESS", "Str. Exemplului 1"),
    "city_line": env_str("PROVIDER_CITY", "010011 Bucharest, Romania"),
    "vat_number": env_str("PROVIDER_VAT_NUMBER", "RO00000000"),
    "company_number": env_str("PROVIDER_COMPANY_NUMBER", "J40/0000/2020"),
    "email": env_str("PROVIDER_EMAIL", "billing@example.com"),
    "website": env_str("PROVIDER_WEBSITE", "www.example.com"),
    "bank_name": env_str("PROVIDER_BANK", "Example Bank"),
    "iban": env_str("PROVIDER_IBAN", "RO49AAAA1B31007593840000"),
    "bic": env_str("PROVIDER_BIC", "AAAAROBU"),
}


def _secret_key() -> str:
    key = env_str("SECRET_KEY")
    if key:
        return key
    key_file = SITE_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text(encoding="utf-8").strip()
    if DEBUG:
        return "insecure-development-key-do-not-use-in-production"
    raise ImproperlyConfigured(
        "SECRET_KEY is not set: put it in the environment, in site_config.json, "
        f"or in {key_file} (run `make setup` to create one for the demo)."
    )


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
HTTPS = env_bool("HTTPS", not DEBUG)

INSTALLED_APPS = [
    "unfold",
    "unfold.contrib.filters",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # The project's apps come before allauth's, so that the portal's account/,
    # mfa/ and socialaccount/ templates take precedence over allauth's own.
    "apps.client_portal.portal",
    "apps.client_portal.core",
    "apps.client_portal.accounts",
    "apps.client_portal.api",
    "apps.client_portal.documents",
    "apps.client_portal.billing",
    "apps.client_portal.documents.signing",
    "apps.client_portal.loans",
    "apps.client_portal.bureau",
    "apps.client_portal.bureau.reports",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
    "allauth.usersessions",
    "axes",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_rq",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "apps.client_portal.core.caching.PrivateNoStoreMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "apps.client_portal.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "apps.client_portal.accounts.middleware.IdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "apps.client_portal.core.middleware.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "apps.client_portal.core.middleware.RequestContextMiddleware",
    "apps.client_portal.core.middleware.ActiveOrganizationMiddleware",
    "apps.client_portal.core.middleware.RefusedMiddleware",
    "axes.middleware.AxesMiddleware",
    "apps.client_portal.accounts.mfa.MfaRequiredMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.client_portal.portal.context_processors.portal",
            ],
        },
    }
]

# --- Database -----------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{SITE_DIR / 'db.sqlite3'}")
# Connections are kept for a minute and checked before reuse: opening one costs
# about 1 ms on SQLite (its pragmas and functions) and a round trip on MariaDB.
_db = dj_database_url.parse(
    DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True
)
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif _db["ENGINE"] == "django.db.backends.mysql":
    _db.setdefault("OPTIONS", {})
    _db["OPTIONS"].update({"charset": "utf8mb4", "isolation_level": "read committed"})
    _db["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, sessions, jobs ----------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            # An unreachable Redis acts as an empty cache (logged, not raised), with
            # short time-outs and a circuit breaker (core/resilience.py).
            "BACKEND": "apps.client_portal.core.resilience.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"cp:{SITE_NAME}",
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5},
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 600}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
    # Without Redis there is no worker: jobs run inline (core.jobs.enqueue).
    RQ_QUEUES = {"default": {"URL": "redis://127.0.0.1:6379/0", "ASYNC": False}}
JOBS_INLINE = env_bool("JOBS_INLINE", not REDIS_URL)
# While Redis is unreachable: skip it for this many seconds after an error, log at
# most once this often, let /healthz ask it at most this often (seconds), and
# remember this many cache keys written during the outage, to delete when it is back.
REDIS_RETRY_AFTER = env_int("REDIS_RETRY_AFTER", 5)
REDIS_LOG_EVERY = env_int("REDIS_LOG_EVERY", 60)
REDIS_HEALTH_INTERVAL = env_int("REDIS_HEALTH_INTERVAL", 3)
REDIS_STALE_KEYS_MAX = env_int("REDIS_STALE_KEYS_MAX", 50000)

# --- Authentication -----------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "apps.client_portal.accounts.backends.IdentifierBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "portal:dashboard"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_ADAPTER = "apps.client_portal.accounts.adapter.AccountAdapter"
ACCOUNT_USER_DISPLAY = "apps.client_portal.accounts.adapter.user_display"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_PASSWORD_RESET_TOKEN_GENERATOR = None
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_PRESERVE_USERNAME_CASING = False
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
}

AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USERNAME_CALLABLE = "apps.client_portal.accounts.security.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "account/locked_out.html"
AXES_VERBOSE = False

# --- Security -----------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 8)
SESSION_SAVE_EVERY_REQUEST = False
CSRF_COOKIE_SECURE = HTTPS
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
# A refused form in the portal's layout and the reader's language, not Django's page.
CSRF_FAILURE_VIEW = "apps.client_portal.portal.views.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = HTTPS and env_bool("SSL_REDIRECT", True)
# Load balancers probe the liveness check over plain HTTP on the backend port.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
FILE_UPLOAD_MAX_BYTES = env_int("FILE_UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
# A document import file (CSV/XLSX) is refused above this size.
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 10 * 1024 * 1024)

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
# The admin theme and the API explorer run inline scripts; they are staff and
# developer tools, so they get a wider policy of their own.
CONTENT_SECURITY_POLICY_RELAXED_PREFIXES = ["/admin/", "/api/docs/", "/admin/django-rq/"]

# --- Internationalization -------------------------------------------------------
LANGUAGE_CODE = env_str("LANGUAGE_CODE", "en")
LANGUAGES = [
    ("en", _("English")),
    ("ro", _("Romanian")),
    ("bg", _("Bulgarian")),
    ("ru", _("Russian")),
    ("uk", _("Ukrainian")),
    ("pl", _("Polish")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["config.formats"]
USE_I18N = True
USE_THOUSAND_SEPARATOR = True
USE_TZ = True
TIME_ZONE = env_str("TIME_ZONE", "Europe/Bucharest")
LANGUAGE_COOKIE_NAME = "cp_language"
LANGUAGE_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Static and media -----------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "var" / "static")))
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(SITE_DIR / "files")))
# Files are never served from a public URL: downloads go through checked views.
MEDIA_URL = None
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
if env_str("S3_BUCKET"):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("S3_BUCKET"),
            "endpoint_url": env_str("S3_ENDPOINT_URL"),
            "default_acl": "private",
            "querystring_auth": True,
        },
    }
WHITENOISE_USE_FINDERS = DEBUG

# --- PDF rendering (documents/pdf.py) ---------------------------------------------
# "auto": a warm Chromium where one is installed (131 or later), WeasyPrint otherwise.
PDF_ENGINE = env_str("PDF_ENGINE", "auto")  # auto | chromium | weasyprint
CHROMIUM_PATH = env_str("CHROMIUM_PATH", "/usr/bin/chromium")
PDF_RENDER_TIMEOUT = env_int("PDF_RENDER_TIMEOUT", 30)  # seconds per Chromium render
PDF_CHROMIUM_IDLE_SECONDS = env_int("PDF_CHROMIUM_IDLE_SECONDS", 600)  # 0: never close

# --- Email ----------------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
if EMAIL_BACKEND == "django.core.mail.backends.filebased.EmailBackend":
    EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(SITE_DIR / "mail"))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "portal@example.com")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- REST API -------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.client_portal.api.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "apps.client_portal.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "apps.client_portal.api.pagination.Pagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "apps.client_portal.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"user": env_str("API_RATE", "6000/hour")},
    "COERCE_DECIMAL_TO_STRING": True,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# The empty choice of a list filter reads "All" rather than a row of dashes.
FILTERS_EMPTY_CHOICE_LABEL = _("All")

SPECTACULAR_SETTINGS = {
    "TITLE": "Client Portal API",
    "DESCRIPTION": "Organization-scoped REST API. Authenticate with an API key "
    "(`Authorization: Api-Key <key>`) or with a portal session.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
}

# --- Admin theme ----------------------------------------------------------------
UNFOLD = {
    "SITE_TITLE": SITE_TITLE,
    "SITE_HEADER": _("Back office"),
    "SITE_SYMBOL": "business_center",
    "SHOW_HISTORY": True,
    "SIDEBAR": {
        "show_search": True,
        "show_all_applications": False,
        # Sections with readable titles, each person seeing what their group may.
        "navigation": "apps.client_portal.core.admin_nav.navigation",
    },
}

# --- Logging --------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # WeasyPrint logs every rendering step at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# --- Two-factor and single sign-on ------------------------------------------------
MFA_ADAPTER = "apps.client_portal.accounts.mfa.MfaAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = SITE_TITLE
MFA_RECOVERY_CODE_COUNT = 10
# Who must use a second factor: members holding one of these roles in any
# organization, members of these organizations (client codes), and staff.
MFA_REQUIRED_ROLES = env_list("MFA_REQUIRED_ROLES", [])
MFA_REQUIRED_ORGANIZATIONS = env_list("MFA_REQUIRED_ORGANIZATIONS", [])
MFA_REQUIRED_FOR_STAFF = env_bool("MFA_REQUIRED_FOR_STAFF", False)
# True: a person who must use a second factor but has no authenticator app
# confirms each sign-in with a code sent by email. False: they are sent to set
# up an authenticator app before they can use the portal.
MFA_EMAIL_CODE = env_bool("MFA_EMAIL_CODE", True)
MFA_EMAIL_CODE_TIMEOUT = env_int("MFA_EMAIL_CODE_TIMEOUT", 600)  # seconds
MFA_EMAIL_CODE_ATTEMPTS = env_int("MFA_EMAIL_CODE_ATTEMPTS", 5)

SOCIALACCOUNT_ADAPTER = "apps.client_portal.accounts.sso.SocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
# The identity provider vouches for the person; the linked account exists already.
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_STORE_TOKENS = False
# Claims (OpenID Connect) or attributes (SAML) that carry a person's national ID.
SSO_NATIONAL_ID_CLAIMS = env_list(
    "SSO_NATIONAL_ID_CLAIMS",
    ["national_id", "urn:oid:2.5.4.5", "http://eidas.europa.eu/attributes/naturalperson/PersonIdentifier"],
)
SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": []}, "saml": {"APPS": []}}
if env_str("SSO_OIDC_SERVER_URL"):
    SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"].append({
        "provider_id": env_str("SSO_OIDC_PROVIDER_ID", "oidc"),
        "name": env_str("SSO_OIDC_NAME", "Single sign-on"),
        "client_id": env_str("SSO_OIDC_CLIENT_ID"),
        "secret": env_str("SSO_OIDC_CLIENT_SECRET"),
        "settings": {
            "server_url": env_str("SSO_OIDC_SERVER_URL"),
            "oauth_pkce_enabled": True,
            "fetch_userinfo": True,
            "scope": env_list("SSO_OIDC_SCOPE", ["openid", "profile", "email"]),
            "verified_email": env_bool("SSO_OIDC_EMAIL_TRUSTED", False),
        },
    })
if env_str("SSO_SAML_ENTITY_ID"):
    SOCIALACCOUNT_PROVIDERS["saml"]["APPS"].append({
        "client_id": env_str("SSO_SAML_SLUG", "eid"),
        "name": env_str("SSO_SAML_NAME", "eID"),
        "settings": {
            "idp": {
                "entity_id": env_str("SSO_SAML_ENTITY_ID"),
                "sso_url": env_str("SSO_SAML_SSO_URL"),
                "x509cert": env_str("SSO_SAML_X509CERT"),
                **({"metadata_url": env_str("SSO_SAML_METADATA_URL")}
                   if env_str("SSO_SAML_METADATA_URL") else {}),
            },
            "attribute_mapping": {
                "uid": ["urn:oasis:names:tc:SAML:attribute:subject-id"],
                "email": ["email", "urn:oid:0.9.2342.19200300.100.1.3"],
                "first_name": ["first_name", "urn:oid:2.5.4.42"],
                "last_name": ["last_name", "urn:oid:2.5.4.4"],
            },
            "verified_email": env_bool("SSO_SAML_EMAIL_TRUSTED", True),
            "advanced": {
                "strict": True,
                "want_assertion_signed": True,
                "want_message_signed": False,
                "want_attribute_statement": False,
                "reject_idp_initiated_sso": True,
                "use_nameid_for_email": False,
            },
        },
    })

# --- Sign-in ways (docs/authentication.md) -----------------------------------------
ACCOUNT_FORMS = {"login": "apps.client_portal.accounts.forms.LoginForm"}
# What the login field accepts: email, phone, national_id, username.
LOGIN_IDENTIFIERS = env_list("LOGIN_IDENTIFIERS", ["email"])
ACCOUNT_LOGIN_BY_CODE_ENABLED = env_bool("LOGIN_BY_CODE", False)
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = env_int("LOGIN_BY_CODE_TIMEOUT", 300)
# Sessions: listed with device and address; one per account if asked; idle ones end.
# Tracking activity writes to the database on every request; off unless asked.
USERSESSIONS_TRACK_ACTIVITY = env_bool("SESSION_TRACK_ACTIVITY", False)
SINGLE_SESSION = env_bool("SINGLE_SESSION", False)
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 30 * 60)  # seconds
# Activation codes issued by the back office.
ACTIVATION_CODE_DAYS = env_int("ACTIVATION_CODE_DAYS", 14)
ACTIVATION_MAX_FAILURES = env_int("ACTIVATION_MAX_FAILURES", 5)  # per email and per IP...
ACTIVATION_FAILURE_WINDOW = env_int("ACTIVATION_FAILURE_WINDOW", 15 * 60)  # ...in seconds
ACTIVATION_LINK_MAX_AGE = env_int("ACTIVATION_LINK_MAX_AGE", 24 * 3600)
# True: an organization (a client account) has one portal login at most.
ONE_LOGIN_PER_ORGANIZATION = env_bool("ONE_LOGIN_PER_ORGANIZATION", False)
# Text messages (one-time passwords of staff-granted access).
SMS_BACKEND = env_str(
    "SMS_BACKEND",
    "apps.client_portal.accounts.sms.http.HttpBackend" if env_str("SMS_HTTP_URL")
    else "apps.client_portal.accounts.sms.backends.FileBackend",
)
SMS_FILE_PATH = env_str("SMS_FILE_PATH", str(SITE_DIR / "mail" / "sms.jsonl"))
SMS_HTTP_URL = env_str("SMS_HTTP_URL", "")
SMS_HTTP_API_KEY = env_str("SMS_HTTP_API_KEY", "")
SMS_HTTP_KEY_HEADER = env_str("SMS_HTTP_KEY_HEADER", "X-Api-Key")
SMS_HTTP_TIMEOUT = env_int("SMS_HTTP_TIMEOUT", 10)
SMS_SENDER = env_str("SMS_SENDER", "Portal")
SMS_RATE_PER_PHONE = env_int("SMS_RATE_PER_PHONE", 5)
SMS_RATE_PER_IP = env_int("SMS_RATE_PER_IP", 20)
SMS_RATE_WINDOW = env_int("SMS_RATE_WINDOW", 3600)  # seconds

SITE_CONFIG_LOADED = bool(SITE_CONFIG)
# /_bench/empty/, the baseline page of bench/list_page.py; off everywhere else.
BENCH_VIEWS = env_bool("BENCH_VIEWS", False)
PORTAL_BASE_URL = env_str("PORTAL_BASE_URL", "http://127.0.0.1:8000")

# --- Online payment (docs/payments.md) ----------------------------------------
# The fake gateway (billing/gateways/fake_server.py) answers under /billing/fake-gateway/
# and stands in for the redirect gateway when no REDIRECT_GATEWAY_URL is set. Demo only.
FAKE_GATEWAY_ENABLED = env_bool("FAKE_GATEWAY_ENABLED", False)
PAYMENT_GATEWAYS = {
    "redirect": {
        "BACKEND": "apps.client_portal.billing.gateways.redirect.RedirectGateway",
        "BASE_URL": env_str("REDIRECT_GATEWAY_URL", ""),
        "MERCHANT_ID": env_str("REDIRECT_GATEWAY_MERCHANT_ID", ""),
        "POS_ID": env_str("REDIRECT_GATEWAY_POS_ID", ""),
        "CRC": env_str("REDIRECT_GATEWAY_CRC", ""),
        "API_KEY": env_str("REDIRECT_GATEWAY_API_KEY", ""),
        "FAKE": FAKE_GATEWAY_ENABLED and not env_str("REDIRECT_GATEWAY_URL", ""),
    },
    "stripe": {
        "BACKEND": "apps.client_portal.billing.gateways.stripe.StripeGateway",
        "SECRET_KEY": env_str("STRIPE_SECRET_KEY", ""),
        "WEBHOOK_SECRET": env_str("STRIPE_WEBHOOK_SECRET", ""),
    },
}
# An open payment attempt for the same documents is reused for this long.
PAYMENT_INTENT_REUSE_MINUTES = env_int("PAYMENT_INTENT_REUSE_MINUTES", 30)
# --- Outgoing webhooks (docs/webhooks.md) ------------------------------------------
WEBHOOK_TIMEOUT = env_int("WEBHOOK_TIMEOUT", 10)  # seconds per attempt
# An endpoint is disabled after this many deliveries in a row gave up.
WEBHOOK_DISABLE_AFTER = env_int("WEBHOOK_DISABLE_AFTER", 5)
# Hosts a webhook may reach over plain HTTP or on a private address (tests, a lab).
WEBHOOK_ALLOW_HTTP_HOSTS = env_list("WEBHOOK_ALLOW_HTTP_HOSTS", [])
# --- Signatures (docs/signing.md) -----------------------------------------------
# The provider's certificate and key (PKCS#12) and an RFC 3161 timestamp server. A demo
# or test site without them gets local material (a CA, the provider's certificate, a
# timestamp authority on the loopback) made under sites/<site>/signing/; any other site
# refuses to sign until they are set (SIGNING_DEMO_MATERIAL lifts that, for a lab).
SIGNING_PKCS12_PATH = env_str("SIGNING_PKCS12_PATH", "")
SIGNING_PKCS12_PASSWORD = env_str("SIGNING_PKCS12_PASSWORD", "")
SIGNING_TSA_URL = env_str("SIGNING_TSA_URL", "")
SIGNING_TSA_TIMEOUT = env_int("SIGNING_TSA_TIMEOUT", 10)  # seconds
SIGNING_DEMO_MATERIAL = env_bool(
    "SIGNING_DEMO_MATERIAL", DEBUG or SITE_NAME == "demo" or SITE_NAME.startswith("test"))
# Extra CA files (PEM or DER) a verification trusts, besides the provider's own CA.
SIGNING_TRUST_ROOTS = env_list("SIGNING_TRUST_ROOTS", [])
SIGNING_DIR = env_str("SIGNING_DIR", "")
SIGNING_VERIFY_MAX_BYTES = env_int("SIGNING_VERIFY_MAX_BYTES", 20 * 1024 * 1024)
SIGNING_VERIFY_RATE = env_int("SIGNING_VERIFY_RATE", 30)  # verifications per address per minute
# DSTU 4145 signatures are checked by a Node.js helper (signing/node/verify.js).
SIGNING_NODE_BINARY = env_str("SIGNING_NODE_BINARY", "node")
SIGNING_NODE_TIMEOUT = env_int("SIGNING_NODE_TIMEOUT", 30)
# --- Credit bureau (docs/bureau.md) -----------------------------------------------
BUREAU_IMPORT_MAX_BYTES = env_int("BUREAU_IMPORT_MAX_BYTES", 50 * 1024 * 1024)
BUREAU_DISPUTE_DAYS = env_int("BUREAU_DISPUTE_DAYS", 30)
# The population register, company register and tax authority. Without a BASE_URL a
# demo or test site talks to the local fakes (bureau/reports/registries/fake_server.py).
BUREAU_REGISTRIES = {
    "BASE_URL": env_str("BUREAU_REGISTRIES_URL", ""),
    "REQUESTER": env_str("BUREAU_REGISTRIES_REQUESTER", ""),
    "COMPANY_TOKEN": env_str("BUREAU_REGISTRIES_COMPANY_TOKEN", ""),
    "TAX_KEY": env_str("BUREAU_REGISTRIES_TAX_KEY", ""),
    "TIMEOUT": env_int("BUREAU_REGISTRIES_TIMEOUT", 10),
}
# Lockout counts failures per login name; allauth's "login_failed" rate limit
# (ACCOUNT_RATE_LIMITS) already caps attempts per IP address.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
