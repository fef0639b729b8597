"""Settings of the cleanroom Django example: a small shop whose static
files are collected with ManifestStaticFilesStorage, which fingerprints
every file and rewrites the url() references inside CSS."""
import os
import sys
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

# The real key comes from the environment when the app serves. Collecting
# static files signs nothing, so there (and only there) a stand-in will do:
# cleanroom withholds SECRET_KEY from the build, as it does every secret of
# .aptible.env it is not told to pass.
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if sys.argv[1:2] != ["collectstatic"]:
        raise ImproperlyConfigured("SECRET_KEY is not set in the environment")
    SECRET_KEY = "collectstatic-signs-nothing"

DEBUG = False
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "localhost").split(",")

INSTALLED_APPS = [
    "django.contrib.staticfiles",
    "catalog",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]

ROOT_URLCONF = "shop.urls"
WSGI_APPLICATION = "shop.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {},
    },
]

# No database: the shop's catalog is static for this example.
DATABASES = {}

USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "shop" / "static"]
STATICFILES_STORAGE = "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
