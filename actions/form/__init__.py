"""The payment form: ``validator.ValidatePaymentForm`` and the collaborators it hands each answer to."""
