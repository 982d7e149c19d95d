"""Reading settings from the environment, shared by the Django settings and gunicorn.conf.py.

A value that cannot be read stops the start with the variable's name and what is expected.
"""

import ipaddress
import os

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
