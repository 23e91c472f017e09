"""The review desk: a small web app (Starlette, Jinja2, plain forms) over the same warehouse the
engine writes — review queue, calendar, one-click unsubscribe — served by `marketing-engine serve`."""
