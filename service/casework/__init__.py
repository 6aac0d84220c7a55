"""Casework 就业服务: caseloads, contacts, assistance cases, households, referrals follow-up, the officers' console."""
