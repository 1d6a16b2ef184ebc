"""The rasa-sdk action server package: what the assistant says and asks, never the money rules.

rasa-sdk imports every module under this package at start (``--actions actions``),
so only conversation code lives here; the payment backend is ``payments``:
- ``form``: the payment form's validator and the collaborators it owns (the
  amount and OTP questions, corrections, non-answers, starting the payment),
  with why a form halts (``HaltReason``), how an answer is rejected, and what
  the latest message said;
- ``payment``: the other payment actions (ask, conclude, cancel, hand over, status,
  a fresh OTP, telling a reconciled outcome);
- ``questions``: answers to questions asked at any time (the balance);
- ``identity``: the customer's own phone number, when the channel vouches for it;
- ``presentation``: how money and names are shown;
- ``runtime``: the bridge to the blocking payment service (thread pool, failures);
- ``health`` / ``startup_checks``: the action server's /health and start-up warnings.
"""
