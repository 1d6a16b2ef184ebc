"""Code that runs inside the Rasa server (``python -m rasa_runtime.server``), never in the action server.

- ``server``: ``rasa`` with this project's customisations installed first;
- ``endpoints``: the one-machine defaults of deploy/endpoints.scaled.yml's variables;
- ``stores``: the conversation store that survives an outage, keeps no OTP, and
  is quicker; the atomic Redis lock store;
- ``turns``: what happens to a message before Rasa's turn: channel-scoped
  identity, bounded text, per-sender rate limit, kept notices, long sessions;
- ``whatsapp``: the WhatsApp Cloud API channel;
- ``speedups``: the measured replacements of Rasa internals;
- ``patching``: how every replacement of Rasa's code is installed: for the
  exact Rasa version, whole or not at all, safety patches refusing to start
  Rasa and speed patches leaving Rasa's own code with a warning.
"""
