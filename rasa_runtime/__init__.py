"""Code that runs inside the Rasa server (``python -m rasa_runtime.server``), never in the action server.

- ``server``: ``rasa`` with this project's customisations installed first;
- ``endpoints``: the stores named by environment variables (the scaled topology);
- ``stores``: the conversation store that survives an outage, keeps no OTP, and
  is quicker; the atomic Redis lock store;
- ``turns``: what happens to a message before Rasa's turn: channel-scoped
  identity, bounded text, per-sender rate limit, kept notices, long sessions;
- ``whatsapp``: the WhatsApp Cloud API channel;
- ``speedups`` / ``patching``: the measured replacements of Rasa internals, and
  the marks that say one is installed.
"""
