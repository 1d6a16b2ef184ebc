"""Telling a customer, exactly once, how a payment that reconcile settled ended (through Rasa's trigger_intent)."""
