"""The sealed case that reports and referrals share: its keys, its private fields opened, what the reporter
is told, and the words both use. Reports depend on referrals, never the other way; both depend on this."""
