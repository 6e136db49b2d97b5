"""Personal data under PIPL: a buyer's data export, their erasure, and the supervisors' view of the access log."""
