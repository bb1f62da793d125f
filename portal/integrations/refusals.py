"""The refusals an API view can answer, documented in the OpenAPI document.

Every refusal is the same JSON (api.json_error, schema ErrorOut); what differs
is which statuses a view can answer, and that is said on the view, next to the
code that answers them, so the document is generated with the routes:

    @api_bp.route("/things/<key>", methods=["PUT"])
    @api_bp.arguments(ThingIn)
    @api_bp.response(200, ThingOut)
    @refusals(api_bp, *BEARER, 404, 422)
    @requires(SOME_SCOPE)
    def put_thing(body, key): ...

tests/integrations/test_schemathesis.py holds the document to its word: an
answer with a status a view does not list fails there.
"""

from portal.integrations.schemas import ErrorOut

_WAIT = {
    "description": "Seconds until this token may call again",
    "required": True,
    "schema": {"type": "integer", "minimum": 1},
}
_CHALLENGE = {"description": "Bearer", "required": True, "schema": {"type": "string"}}

# What each status means on this API, and the headers that come with it.
REFUSALS: dict[int, tuple[str, dict]] = {
    400: ("The body could not be read (not JSON, or not the kind this call takes).", {}),
    401: (
        "No token, or one unknown or revoked.",
        {"WWW-Authenticate": _CHALLENGE},
    ),
    403: ("The token lacks the scope this call needs.", {}),
    404: ("Nothing at this path: the thing it names does not exist.", {}),
    409: ("The same thing was being changed at that moment; send again.", {}),
    413: ("The body is over the size this call takes.", {}),
    422: ("Input that fails the checks; the messages per field are in errors.", {}),
    429: ("Too many calls with this token; wait as Retry-After says.", {"Retry-After": _WAIT}),
    503: (
        "Too much work waiting; send it again as Retry-After says.",
        {"Retry-After": {**_WAIT, "description": "Seconds to wait before sending again"}},
    ),
}

# What every call with a bearer token can be refused with (api.authenticate and
# api.requires): no valid token, not the scope, over the token's rate limit.
BEARER = (401, 403, 429)


def refusals(blueprint, *codes: int, described: dict[int, str] | None = None):
    """Decorator documenting, on a flask-smorest `blueprint`'s view, the refusals
    (`codes`) it can answer, each as ErrorOut with the status's headers; `described`
    replaces the general description of a status where the view knows better."""
    unknown = set(codes) - set(REFUSALS)
    if unknown:
        raise ValueError(f"No refusal is described for {sorted(unknown)}.")

    def decorate(view):
        for code in sorted(set(codes), reverse=True):
            description, headers = REFUSALS[code]
            view = blueprint.alt_response(
                code,
                schema=ErrorOut,
                description=(described or {}).get(code, description),
                headers=headers or None,
            )(view)
        return view

    return decorate
