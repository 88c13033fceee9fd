consultations-title = Consultations
consultation-new = Record a consultation or plan an appointment
consultation-new-title = New consultation
consultation-edit-title = Edit consultation
consultation-saved = The consultation has been saved.
consultation-last-contact = Last contact
consultation-next-follow-up = Next follow-up
consultation-none-yet = None yet
consultation-cancelled-final = This consultation was cancelled; it can no longer be changed.

consultation-field-held-at = Date and time
consultation-field-status = Status
consultation-field-channel = Channel
consultation-field-topics = Topics
consultation-field-summary = Summary
consultation-field-next-follow-up-on = Next follow-up

consultation-status-planned = Planned
consultation-status-held = Held
consultation-status-missed = Missed
consultation-status-cancelled = Cancelled

channel-in-person = In person
channel-phone = Phone
channel-home-visit = Home visit
channel-online = Online
channel-message = Message

topic-housing = Housing
topic-work = Work
topic-school = School
topic-health = Health
topic-money = Money
topic-relationships = Relationships
topic-legal = Legal
topic-daily-living = Daily living
topic-other = Other

consultation-held-at-required = Enter the date and time.
consultation-held-at-invalid = Enter a real date and time.
consultation-status-invalid = Choose a status.
consultation-status-not-allowed = This status cannot follow the current one.
consultation-channel-invalid = Choose a channel.
consultation-topic-invalid = Choose topics from the list.
consultation-held-in-future = A held or missed consultation cannot be in the future.
consultation-planned-in-past = A planned appointment must be in the future.
consultation-summary-required = Write a summary of the consultation.
consultation-follow-up-before = The follow-up cannot be before the consultation.
audit-entity-consultation = Consultation
consultation-next-appointment = Next appointment
