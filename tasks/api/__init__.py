"""The JSON API at /api/v1/ (DESIGN §5; README, "The API").

- `access`: who calls — API keys (`Authorization: Api-Key <key>`) or the site's session with its
  CSRF check; the permission class that asks `tasks.permissions`; the rate limit per key; the
  log line of every call;
- `paging`: lists by cursor in the order rows changed, `updated_since`;
- `errors`: every error as JSON, a Chinese message and a stable code;
- `serializers`, `views`, `urls`: the resources. Writes go through `tasks.reporting.actions`,
  the functions the pages call.
"""
