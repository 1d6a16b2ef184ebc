"""The payment backend: the money rules, for the actions and the ops CLI alike.

Imports no rasa_sdk and no Rasa. ``service.PaymentService`` is the one place
that moves a payment's state; ``settlement`` settles uncertain payments;
``store`` is the booking database (repository, models, migrations); ``omari``
is the only code that knows O'mari's wire format; ``limits`` holds the abuse
limits; ``notifications`` tells customers how reconciled payments ended;
``settings`` reads every environment variable; ``ops`` is the operations CLI
(``python -m payments.ops``).
"""
