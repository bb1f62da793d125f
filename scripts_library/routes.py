"""Library, reading and filling in scripts; favourites."""

from flask import abort, render_template, request
from flask_login import current_user, login_required

from portal.core.htmx import render
from portal.core.params import int_arg
from scripts_library import bp
from scripts_library import services as svc


def _filters() -> svc.Filters:
    channel = request.args.get("channel")
    situation = request.args.get("situation")
    segment = request.args.get("segment", "")[:40]
    return svc.Filters(
        step_id=int_arg("step"),
        channel=channel if channel in svc.CHANNELS else None,
        situation=situation if situation in svc.SITUATIONS else None,
        segment=segment or None,
    )


@bp.get("/")
@login_required
def library():
    from portal.playbooks.services import process_steps, taxonomy

    query = request.args.get("q", "")[:200]
    filters = _filters()
    return render(
        "scripts_library/library.html",
        "scripts_library/_results.html",
        query=query,
        filters=filters,
        results=svc.search_scripts(query, filters),
        steps=process_steps(),
        taxonomy=taxonomy(),
        favourites=svc.favourites(current_user.id),
        recent=svc.recently_used(current_user.id),
        channels=svc.CHANNELS,
        situations=svc.SITUATIONS,
    )


def _published_or_404(slug: str):
    script = svc.find_published(slug)
    if script is None:
        abort(404)
    return script


def _values() -> dict[str, str]:
    return {key[4:]: value for key, value in request.args.items() if key.startswith("ph__")}


@bp.get("/<slug>")
@login_required
def script(slug: str):
    from portal.playbooks.services import taxonomy

    current = _published_or_404(slug)
    svc.record_use(current_user.id, current.id)
    return render(
        "scripts_library/script.html",
        script=current,
        values={},
        fill=svc.fill,
        plain_text=svc.filled_plain_text(current, {}),
        favourite=svc.is_favourite(current_user.id, current.id),
        taxonomy=taxonomy(),
        channels=svc.CHANNELS,
        situations=svc.SITUATIONS,
        kinds=svc.BLOCK_KINDS,
    )


@bp.get("/<slug>/fill")
@login_required
def fill(slug: str):
    """The script with the values typed so far (nothing is stored)."""
    current = _published_or_404(slug)
    values = _values()
    return render(
        "scripts_library/fill_page.html",
        "scripts_library/_filled.html",
        script=current,
        values=values,
        fill=svc.fill,
        plain_text=svc.filled_plain_text(current, values),
        kinds=svc.BLOCK_KINDS,
    )


@bp.get("/<slug>/run")
@login_required
def run(slug: str):
    """Walk through the script one block at a time, following the branches."""
    current = _published_or_404(slug)
    keys = request.args.get("path", "")[:2000].split(",")
    return render(
        "scripts_library/run.html",
        "scripts_library/_run.html",
        script=current,
        state=svc.walk(current, keys),
        fill=svc.fill,
        kinds=svc.BLOCK_KINDS,
    )


@bp.post("/<slug>/favourite")
@login_required
def favourite(slug: str):
    current = _published_or_404(slug)
    is_favourite = svc.toggle_favourite(current_user.id, current.id)
    return render_template(
        "scripts_library/_favourite.html", script=current, favourite=is_favourite
    )
