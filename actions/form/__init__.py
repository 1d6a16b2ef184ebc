"""The payment form: ``validator.ValidatePaymentForm`` and the collaborators it hands each answer to.

- ``amount`` / ``otp``: the two questions with rules of their own (money is decided, money moves);
- ``corrections``: answers given early or changed later; ``non_answers``: messages that answer nothing;
- ``start``: asking O'mari for the OTP once all answers are known; ``cancellation``: voiding it again;
- ``rejection``: saying why an answer was not taken; ``halt``: why the form ended early (``HaltReason``);
- ``turn``: what the latest message did to the answers (read from the tracker).
"""
