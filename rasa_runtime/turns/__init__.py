"""What happens to a customer's message around Rasa's turn: identity, bounds, rate limits, kept notices."""
