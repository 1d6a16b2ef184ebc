"""A Rasa channel for the WhatsApp Business Cloud API.

Name it in credentials.yml as ``rasa_runtime.whatsapp.WhatsAppInput``; it reads
its settings from WHATSAPP_* environment variables (see settings.py).
Modules by concern: settings, signature, inbound (notification parsing),
dedup, ordering, outbound (message shaping), graph (sending), output, input.
"""
from rasa_runtime.whatsapp.input import WhatsAppInput
from rasa_runtime.whatsapp.output import WhatsAppOutput

__all__ = ["WhatsAppInput", "WhatsAppOutput"]
