"""Rasa's conversation and lock stores made safe for money: outage-proof, OTP-free at rest, atomic, quick."""
