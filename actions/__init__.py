"""Kali Safaris' O'mari payment assistant: the rasa-sdk action server package.

Modules, in the order a payment passes through them:
- ``parsing``: pure functions that read customer text into slot values;
- ``form_validation``: the payment form's validator (thin: parse, check, explain),
  with ``form_corrections`` (answers given early or changed later), ``form_otp``
  (the OTP question) and ``form_turn`` (what the latest message said);
- ``digressions``: answers to questions asked at any time (the balance);
- ``payment_actions``: the other custom actions (ask, conclude, cancel, hand over);
- ``payment_status``: "did my payment go through?" from the transaction table;
- ``payments``: the money rules, the one place that moves a payment's state
  (``payment_types``: its outcomes and policy; ``abuse_limits``: OTP request limits);
- ``omari``: the O'mari merchant API client; ``store`` / ``models``: the database
  (``store_queries``: its frequent statements, built once; ``database``: the engine);
- ``notifier`` / ``notification_outbox``: telling customers, once, how a payment reconcile
  settled ended (through Rasa's trigger_intent); ``payment_notice``: the action that says it;
- ``settings``: every environment variable, read in one place;
- ``ops``: the operations CLI (``python -m actions.ops``).
"""
