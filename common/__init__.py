"""Two small pure modules shared by the Rasa server, the actions and the backend.

``sender_ids``: conversation ids scoped by channel (``whatsapp:2637…``);
``outages``: an outage logged once per burst, and the health it implies.
"""
