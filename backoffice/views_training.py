"""For trainers: conversations (redacted) and the NLU inbox with its comparison."""
from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, send_file, url_for

from backoffice.auth import current_member, requires
from backoffice.comparison import ComparisonState
from backoffice.context import backoffice
from backoffice.inbox import NOT_A_CUSTOMER_MESSAGE, domain_intents, example_key
from backoffice.permissions import Permission
from payments.staff.audit import AuditAction

blueprint = Blueprint("training", __name__)
CHANNELS = ("", "whatsapp", "rest")
TROUBLE = ("", "fallback", "low")


@blueprint.get("/conversations")
@requires(Permission.READ_CONVERSATIONS)
def conversations():
    office = backoffice()
    channel = request.args.get("channel", "")
    trouble = request.args.get("trouble", "")
    outcome = request.args.get("outcome", "").strip()[:40]
    if channel not in CHANNELS or trouble not in TROUBLE:
        abort(400, description="Unknown filter.")
    found = office.conversations.recent(office.settings.inbox_days, channel, outcome, trouble)
    return render_template("conversations.html", conversations=found, channel=channel, trouble=trouble,
                           outcome=outcome, days=office.settings.inbox_days)


@blueprint.get("/conversations/<key>")
@requires(Permission.READ_CONVERSATIONS)
def conversation(key: str):
    office = backoffice()
    found = office.conversations.conversation(key[:16], office.settings.inbox_days)
    if found is None:
        abort(404)
    return render_template("conversation.html", conversation=found)


@blueprint.get("/conversations/<key>/export")
@requires(Permission.READ_CONVERSATIONS)
def export_conversation(key: str):
    """The conversation as text, redacted exactly as the page shows it (never the store's raw events)."""
    office, member = backoffice(), current_member()
    assert member is not None
    found = office.conversations.conversation(key[:16], office.settings.inbox_days)
    if found is None:
        abort(404)
    office.audit.record(member.username, AuditAction.CONVERSATION_EXPORTED, found.summary.key)
    lines = [f"conversation {found.summary.key} ({found.summary.channel}), redacted"]
    lines += [f"{t.at:%Y-%m-%d %H:%M:%S} {t.speaker}: {t.text}" for t in found.turns]
    response = make_response("\n".join(lines) + "\n")
    response.mimetype = "text/plain"
    response.headers["Content-Disposition"] = f"attachment; filename=conversation-{found.summary.key}.txt"
    return response


@blueprint.get("/inbox")
@requires(Permission.TRAIN_NLU)
def inbox():
    office = backoffice()
    entries = office.inbox.entries(office.decided_examples())
    return render_template("inbox.html", entries=[(example_key(e.text), e) for e in entries],
                           intents=domain_intents(office.settings.nlu_repo), accepted=office.accepted.read(),
                           accepted_path=office.settings.accepted_examples.name,
                           comparison=office.comparison.current(), not_customer=NOT_A_CUSTOMER_MESSAGE)


@blueprint.post("/inbox/<key>")
@requires(Permission.TRAIN_NLU)
def decide(key: str):
    office, member = backoffice(), current_member()
    assert member is not None
    intent = request.form.get("intent", "")
    intents = domain_intents(office.settings.nlu_repo)
    if intent != NOT_A_CUSTOMER_MESSAGE and intent not in intents:
        abort(400, description="Pick one of the assistant's intents, or 'not a customer message'.")
    entry = office.inbox.find(key[:16], office.decided_examples())
    if entry is None:
        flash("That message is no longer in the inbox (someone decided it already).", "error")
        return redirect(url_for("training.inbox"))
    if intent == NOT_A_CUSTOMER_MESSAGE:
        office.audit.record(member.username, AuditAction.INBOX_NOT_CUSTOMER, example_key(entry.text), entry.text)
        flash("Left out of the training data: not a customer message.", "ok")
    else:
        office.accepted.add(intent, entry.text)
        office.audit.record(member.username, AuditAction.INBOX_ACCEPT, example_key(entry.text),
                            f"{intent}: {entry.text}")
        flash(f"Accepted as {intent}. Run the comparison to see whether it helps.", "ok")
    return redirect(url_for("training.inbox"))


@blueprint.post("/inbox/compare")
@requires(Permission.TRAIN_NLU)
def start_comparison():
    office, member = backoffice(), current_member()
    assert member is not None
    if not office.accepted.count():
        flash("Accept at least one example first: the comparison judges the accepted ones.", "error")
        return redirect(url_for("training.inbox"))
    if office.comparison.start(member.username):
        office.audit.record(member.username, AuditAction.COMPARISON_STARTED, office.settings.accepted_examples.name,
                            f"{office.accepted.count()} accepted example(s) against {office.settings.comparison_base}")
    else:
        flash("A comparison is already running; its progress is below.", "error")
    return redirect(url_for("training.comparison"))


@blueprint.get("/inbox/compare")
@requires(Permission.TRAIN_NLU)
def comparison():
    run = backoffice().comparison.current()
    return render_template("compare.html", run=run, running=run.state is ComparisonState.RUNNING,
                           State=ComparisonState)


@blueprint.get("/inbox/compare/chart.png")
@requires(Permission.TRAIN_NLU)
def comparison_chart():
    office = backoffice()
    run = office.comparison.current()
    if run.state not in (ComparisonState.NOT_WORSE, ComparisonState.WORSE) or not office.comparison.chart_path.exists():
        abort(404)
    return send_file(office.comparison.chart_path, mimetype="image/png")
