"""Rasa 3.6's SQL tracker store, reading and writing the same rows with less work per turn.

Conversations are in Rasa's own ``events`` table, with the same rows, in the
same order, read by the same query: a database written with these changes
reads the same without them, and the other way round. Speed patches
(rasa_runtime/patching.py), installed with rasa_runtime.speedups by
rasa_runtime.server. Shares are of Rasa's CPU time
in a py-spy profile of 50 customers paying at once.

- SQLite, the one-machine default: SQLAlchemy 1.4 opens a SQLite connection
  for every read and write, and each commit waits for the disk. Here
  connections stay pooled and the file is in WAL mode with
  synchronous=NORMAL. PostgreSQL is untouched. What that gives up (SQLite's
  PRAGMA synchronous documentation): in WAL mode with NORMAL, SQLite syncs
  the WAL only at checkpoints, so the turns committed since the last one can
  roll back after a power loss or an operating-system crash; the file is
  never corrupted by it, and a crash of Rasa itself loses nothing committed.
- Loading a conversation (about 14 %): Rasa rebuilds its ORM query, and that
  query's cache key, on every turn, and makes an ORM object of every row.
  Here the same SQL is built once per store and only the ``data`` column read.
- Saving (about 18 %): Rasa first re-counts the conversation's stored events
  to know which are new, then inserts them one ORM object at a time. Under
  the conversation's lock that count is the number of events the tracker was
  loaded with (or last saved), so the tracker object remembers it (a tracker
  it does not recognise is counted as Rasa counts it), and the new events go
  in as one multi-row insert.
"""
from __future__ import annotations

import functools
import itertools
import json
from typing import Any, Dict, List, Optional

from rasa_runtime.patching import Originals, Patch, PatchKind, install

# Set on a tracker this store loaded or saved: (id of that very object, how
# many of its events are stored). A copy has another id, so it is re-counted.
_STORED_EVENTS = "_kali_safaris_stored_events"


def _open_tracker_database(database: str) -> Any:
    import sqlite3

    # A locked file fails fast (1 s, not sqlite3's 5) so the retry of
    # rasa_runtime/stores/resilient_tracker_store.py decides how long the event loop waits.
    connection = sqlite3.connect(database, check_same_thread=False, timeout=1.0)
    # WAL: readers never wait for the writer. synchronous=NORMAL: a commit
    # does not wait for the disk (see the module's docstring for what a power
    # cut can then roll back).
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    return connection


def _pool_sqlite_connections(originals: Originals) -> Dict[str, Any]:
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import QueuePool

    original = originals[_ENGINE_KWARGS]

    def create_engine_kwargs(url: Any) -> Dict[str, Any]:
        # Any store: an error names the statement, never its values (user texts, sender ids).
        # Pre-ping: after a database restart the pool replaces dead connections by itself.
        kwargs = dict(original(url), hide_parameters=True, pool_pre_ping=True)
        if str(url).startswith("sqlite"):
            database = make_url(str(url)).database
            kwargs.update(poolclass=QueuePool, creator=functools.partial(_open_tracker_database, database))
        return kwargs

    return {_ENGINE_KWARGS: create_engine_kwargs}


_ENGINE_KWARGS = "rasa.core.tracker_store:create_engine_kwargs"
SQLITE_TRACKER_STORE = Patch("SQLite tracker store pooled, in WAL mode", PatchKind.SPEED, (_ENGINE_KWARGS,),
                             _pool_sqlite_connections)


def tune_sqlite_tracker_store() -> bool:
    """Keep the SQLite tracker store's connections open, in WAL mode, and hide every SQL error's parameters.

    True if applied.
    """
    return install(SQLITE_TRACKER_STORE).applied


def stored_event_count(tracker: Any) -> Optional[int]:
    """How many of ``tracker``'s events are stored, if this very object was loaded or saved here."""
    remembered = getattr(tracker, _STORED_EVENTS, None)
    if remembered is None or remembered[0] != id(tracker):
        return None
    return remembered[1]


def _remember_stored_events(tracker: Any) -> None:
    if tracker.events.maxlen is None:  # a capped history no longer counts what is stored
        setattr(tracker, _STORED_EVENTS, (id(tracker), len(tracker.events)))


def latest_session_query(events_table: Any) -> Any:
    """Rasa's ``_event_query`` for the latest session, as one reusable statement of the ``data`` column."""
    import sqlalchemy as sa
    from rasa.shared.core.events import SessionStarted

    session_start = (
        sa.select(sa.func.max(events_table.c.timestamp).label("session_start"))
        .where(events_table.c.sender_id == sa.bindparam("sender_id"),
               events_table.c.type_name == SessionStarted.type_name)
        .subquery()
    )
    return (
        sa.select(events_table.c.data)
        .where(events_table.c.sender_id == sa.bindparam("sender_id"),
               sa.or_(events_table.c.timestamp >= session_start.c.session_start,
                      session_start.c.session_start.is_(None)))
        .order_by(events_table.c.id)
    )


def event_row(sender_id: str, event: Any) -> Dict[str, Any]:
    """The ``events`` row Rasa's save writes for ``event``."""
    from rasa.shared.nlu.constants import INTENT_NAME_KEY

    data = event.as_dict()
    return {
        "sender_id": sender_id,
        "type_name": event.type_name,
        "timestamp": data.get("timestamp"),
        "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }


def _cheaper_statements(originals: Originals) -> Dict[str, Any]:
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.trackers import DialogueStateTracker

    original_retrieve = originals[_RETRIEVE]
    events_table = SQLTrackerStore.SQLEvent.__table__
    query = latest_session_query(events_table)
    insert = events_table.insert()

    async def _retrieve(self: Any, sender_id: str, fetch_events_from_all_sessions: bool) -> Any:
        if fetch_events_from_all_sessions:
            return await original_retrieve(self, sender_id, fetch_events_from_all_sessions)
        with self.session_scope() as session:
            events = [json.loads(data) for (data,) in session.execute(query, {"sender_id": sender_id})]
        if not (self.domain and len(events) > 0):
            return None  # as Rasa: no conversation yet
        tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        _remember_stored_events(tracker)
        return tracker

    async def save(self: Any, tracker: Any) -> None:
        await self.stream_events(tracker)
        with self.session_scope() as session:
            stored = stored_event_count(tracker)
            new_events: List[Any] = list(
                itertools.islice(tracker.events, stored, len(tracker.events)) if stored is not None
                else self._additional_events(session, tracker)  # a tracker not loaded here: Rasa's count
            )
            if new_events:
                session.execute(insert, [event_row(tracker.sender_id, event) for event in new_events])
            session.commit()
        _remember_stored_events(tracker)

    return {_RETRIEVE: _retrieve, _SAVE: save}


_RETRIEVE = "rasa.core.tracker_store:SQLTrackerStore._retrieve"
_SAVE = "rasa.core.tracker_store:SQLTrackerStore.save"
# The save is Rasa 3.6.21's, rewritten: it does not call Rasa's.
SQL_TRACKER_STATEMENTS = Patch("conversations loaded and saved with cheaper statements", PatchKind.SPEED,
                               (_RETRIEVE, _SAVE), _cheaper_statements, replaces=(_SAVE,))


def speed_up_sql_tracker_store() -> bool:
    """Make SQLTrackerStore load and save with the cheaper statements above; True if applied."""
    return install(SQL_TRACKER_STATEMENTS).applied
