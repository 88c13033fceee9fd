# The young person's personal link (staff side)
youth-link-title = Personal link for the young person
youth-link-hint = The link opens their own page: appointments to answer, their agreed plan, allowances and payments, check-ins and contact details. It works for { $days } days; a new link ends the old one.
youth-link-none = No link in force.
youth-link-in-force = Link in force until { $date } ({ $how }).
youth-link-handed-email = sent by email
youth-link-handed-shown = shown in person
youth-link-email = Email the link
youth-link-show = Show the link and QR code
youth-link-no-email = Emailing the link needs an email address and consent to emails on the record.
youth-link-revoke-open = End the link
youth-link-revoke-confirm = The link and any page open with it stop working at once. You can make a new link later.
youth-link-revoke = End the link now
youth-link-revoked = The personal link was ended.
youth-link-sent = The personal link was queued to the person's email address.
youth-link-refused-closed = A closed or anonymised record gets no personal link.
youth-link-refused-no-consent = The link can only be emailed with an email address and consent to emails.
youth-link-shown-title = Personal link
youth-link-shown-intro = Give this link to { $name }: they can scan the QR code with their phone's camera or type the address.
youth-link-qr-label = QR code of the personal link
youth-link-expires = The link works until { $date }.
youth-link-shown-once = This page is shown only once. If you leave it, make a new link (the old one then stops working).
youth-link-back = Back to the record
audit-entity-youth-link = Personal link
audit-action-open-link = Link opened
audit-action-revoke-link = Personal link ended
audit-actor-person = The person themselves

# The young person's own pages (plain words)
me-title = My page
me-hello = Hello, { $name }
me-your-coordinator = Your support worker
me-no-coordinator = The aftercare team
me-team-contact = How to reach the team
me-appointments = Your next appointments
me-no-appointments = No appointments planned right now.
me-your-answer = Your answer
me-answer-coming = I'll come
me-answer-not-coming = I can't come
me-answer-call-me = Please call me
me-plans = Your support plan
me-no-plans = No plan agreed yet.
me-plan-agreed-on = Plan agreed on { $date }
me-plan-title = Your support plan
me-allowances = Your money support
me-no-allowances = No money support recorded.
me-per-month = a month
me-payments = Payments
me-payment-month = Month
me-payment-amount = Amount
me-payment-status = Paid?
me-sign-out = Sign out
me-back = Back to my page

# Asking for a new link
me-link-title = Get a new link
me-link-ended = This link does not work any more. You can ask for a new one.
me-link-intro = Type the email address your support worker has for you. If it is the right one, we will send you a new link.
me-link-email = Your email address
me-link-send = Send me a new link
me-link-sent = Thank you. If this address is the one we have for you, a new link is on its way. It can take a few minutes.

# Emails to the young person
me-email-greeting = Hello { $name },
me-email-link-subject = Your page at the aftercare team
me-email-link-intro = Here is your personal link. It opens your own page: your appointments, your plan and your money support. Please keep it to yourself.
me-email-link-open = Open your page
me-email-check-in-subject = How are you doing?
me-email-check-in-intro = It has been a while. Tell us how you are doing: one tap is enough.
me-email-check-in-open = Answer here
me-email-footer = The aftercare team
me-email-footer-contact = The aftercare team · { $contact }
