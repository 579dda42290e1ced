"""report-intake: confidential case reports, triage and referrals to partner agencies (DP3A, Disdik)."""
