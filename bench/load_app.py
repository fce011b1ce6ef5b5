"""The portal as gunicorn serves it for `bench/load_bench.py`, plus one bare route as the ceiling.

`/bench/bare` goes through the same app, hooks and middleware as every page (session, locale, access rule,
security headers) but does no database work and renders no template: what a page costs beyond it is the
page's own work. It exists only in this module, never in the portal.
"""

from portal import create_app
from portal.security import public

app = create_app()
# The deployment serves HTTPS behind a proxy and marks its cookies Secure; the benchmark speaks plain HTTP on
# 127.0.0.1, where a client keeps no Secure cookie, so only here they are sent without TLS.
app.config.update(SESSION_COOKIE_SECURE=False, REMEMBER_COOKIE_SECURE=False)


@app.get("/bench/bare")
@public
def bare():
    return "ok"
