"""The sealed case that reports, referrals and attachments share: finding it (by token or id), its keys, its
private fields opened, what the reporter is told, and the words all use. Reports depend on referrals and
attachments, never the other way; all depend on this."""
