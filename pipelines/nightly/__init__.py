"""The nightly batch: plan, match, assign, mail each base and keep the delivery ledger."""
