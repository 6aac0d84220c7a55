"""Recruitment fairs 招聘会: fairs, their employers and booths, kiosks and their counts."""
