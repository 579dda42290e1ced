"""The digital kentongan: alerting the neighbourhood when an incident opens or escalates."""
