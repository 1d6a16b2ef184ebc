"""A Rasa channel for the WhatsApp Business Cloud API.

Name it in credentials.yml as ``channels.whatsapp.WhatsAppInput``; it reads
its settings from WHATSAPP_* environment variables (see settings.py).
Modules by concern: settings, signature, inbound (notification parsing),
dedup, ordering, outbound (message shaping), graph (sending), output, input.
"""
from channels.whatsapp.input import WhatsAppInput
from channels.whatsapp.output import WhatsAppOutput

__all__ = ["WhatsAppInput", "WhatsAppOutput"]
