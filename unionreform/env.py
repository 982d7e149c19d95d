"""Reading settings from the environment, shared by the Django settings and gunicorn.conf.py.

A value that cannot be read stops the start with the variable's name and what is expected.
"""

import ipaddress
import os
from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    if value.strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if value.strip().lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r}: use 1/0, true/false, yes/no or on/off.")


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r}: a whole number is expected.") from None


def env_addresses(*names: str, default: str) -> list[str]:
    """Addresses or networks (`10.0.0.5`, `10.0.0.0/24`, `::1`), comma-separated, from the first
    of `names` that is set, else `default`. Written as gunicorn's FORWARDED_ALLOW_IPS is, but `*`
    is refused: a list of trusted proxies must name them."""
    name = next((name for name in names if os.environ.get(name, "").strip()), None)
    text = os.environ[name] if name else default
    entries = [entry.strip() for entry in text.split(",") if entry.strip()]
    for entry in entries:
        try:
            ipaddress.ip_network(entry)
        except ValueError:
            raise ImproperlyConfigured(
                f"{name or names[0]}={text!r}: {entry!r} is not an address or a network "
                f"(10.0.0.5, 10.0.0.0/24, ::1). Set {names[0]} to the proxies' own addresses, "
                "separated by commas."
            ) from None
    return entries


def storage_from(environ: Mapping[str, str]) -> dict:
    """Where uploaded files go (Django's STORAGES["default"]): DJANGO_STORAGE=local (the disk,
    DJANGO_MEDIA_ROOT) or s3 (an S3-compatible object store: DJANGO_S3_BUCKET,
    DJANGO_S3_ENDPOINT_URL, DJANGO_S3_REGION, DJANGO_S3_ACCESS_KEY, DJANGO_S3_SECRET_KEY,
    DJANGO_S3_PREFIX, DJANGO_S3_ADDRESSING_STYLE)."""
    kind = environ.get("DJANGO_STORAGE", "").strip() or "local"
    if kind == "local":
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if kind != "s3":
        raise ImproperlyConfigured(f"DJANGO_STORAGE={kind!r}: use local or s3.")

    def value(name: str) -> str | None:
        return environ.get(name, "").strip() or None

    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": value("DJANGO_S3_BUCKET") or "unionreform",
            "endpoint_url": value("DJANGO_S3_ENDPOINT_URL"),
            "region_name": value("DJANGO_S3_REGION"),
            "access_key": value("DJANGO_S3_ACCESS_KEY"),
            "secret_key": value("DJANGO_S3_SECRET_KEY"),
            "location": value("DJANGO_S3_PREFIX") or "",
            "addressing_style": value("DJANGO_S3_ADDRESSING_STYLE"),
            # private objects: files reach people only through the app, which asks who may
            # see them; a name already taken gets a new one, never overwriting another's file
            "default_acl": None,
            "file_overwrite": False,
        },
    }


def cache_from(environ: Mapping[str, str]) -> dict:
    """The cache (Django's CACHES["default"]): this process's memory, or the Redis or Valkey
    server DJANGO_CACHE_URL names (redis://host:6379/0), which several app servers share."""
    url = environ.get("DJANGO_CACHE_URL", "").strip()
    if not url or url == "locmem://":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    if url.startswith(("redis://", "rediss://", "unix://")):
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": environ.get("DJANGO_CACHE_PREFIX", "").strip() or "unionreform",
        }
    raise ImproperlyConfigured(
        f"DJANGO_CACHE_URL={url!r}: use redis://host:port/db (Redis or Valkey), or leave it unset."
    )
