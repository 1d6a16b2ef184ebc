"""The back office: a server-rendered web application for the office, ops and trainers (docs/backoffice.md).

It reads bookings and payments through the store, moves money only through
``PaymentService`` and never imports Rasa (the layering contract in
``.importlinter``); nothing else imports it.
"""
