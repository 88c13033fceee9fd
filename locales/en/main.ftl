## Glossary: one term for each concept, in every message of this catalog (English).
## The "# avoid:" lines list wordings that must not appear in any message (a test checks).
# Register: the list of care leavers (its page and its place in the navigation).
# care leaver: the young person a record is about. record: their entry in the register.
# coordinator: the staff member assigned to a care leaver (role: support coordinator).
# consultation: a contact held, missed or cancelled. appointment: a planned consultation.
# follow-up: the date by which the next contact is due.
# support plan: the young person's wishes and goals, agreed with them.
# allowance: housing or living support. request: what a coordinator asks for.
# payment: one month of an approved allowance, scheduled then paid.
# extension: support past the default end. legal hold: what blocks anonymising a record.
# avoid: New record
# avoid: Care leavers
# avoid: New care leaver
# avoid: Legal Hold
app-name = Aftercare
skip-to-main = Skip to main content
table-scroll = Table (scrolls sideways on a narrow screen)
table-actions = Actions
table-select = Select
nav-label = Main
nav-dashboard = Dashboard
nav-users = Users
nav-audit = Audit log
nav-account = My account
nav-sign-out = Sign out
language-en = English
language-ja = 日本語

role-coordinator = Support coordinator
role-finance = Finance
role-admin = Administrator

dashboard-greeting = Welcome, { $name } ({ $role })
dashboard-intro-coordinator = Your caseload, follow-ups and appointments will appear here.
dashboard-intro-finance = Allowance requests waiting for a decision and this month's payments will appear here.
dashboard-intro-admin = Escalations, extensions waiting for a decision and email delivery will appear here.

action-save = Save
action-cancel = Cancel
action-edit = Edit
action-filter = Filter
filter-all = All
form-stale = Someone else changed this record after you opened the form. Your input is kept below; check the current record and save again.

pager-label = Pages
pager-newer = Newer
pager-older = Older
pager-page = Page { $page }

field-name = Name
field-email = Email
field-role = Role
field-language = Language
field-password = Password
field-password-confirm = Password again
field-current-password = Current password
field-new-password = New password
field-name-invalid = Enter a name of 1 to 100 characters, without invisible characters.
field-email-invalid = Enter an email address such as name@example.jp.
field-email-taken = Another account already uses this email address.
field-role-invalid = Choose a role.
field-language-invalid = Choose English or Japanese.
field-password-too-short = Use at least 12 characters.
field-password-too-long = Use at most 256 characters.
field-password-mismatch = The two passwords are not the same.
field-current-password-wrong = This is not your current password.

error-not-found-title = Page not found
error-not-found-message = There is no page at this address, or it is no longer there.
error-forbidden-title = Not allowed
error-forbidden-message = Your role does not allow this page or action.
error-csrf-title = Form expired
error-csrf-message = This form could not be accepted because its security token was missing or out of date. Nothing was changed. Go back, reload the page and try again.
error-internal-title = Something went wrong
error-internal-message = The server could not complete this request. Nothing you see here is lost; please try again, and if it happens again give the request id below to your administrator.
error-bad-request-title = Request not understood
error-bad-request-message = The server could not understand this request.
error-request-id = Request id:
error-back-home = Back to the dashboard

dashboard-follow-ups-due = Follow-ups due in the next 7 days
dashboard-follow-ups-overdue = Overdue follow-ups
dashboard-appointments-week = Appointments this week
dashboard-no-contact = No contact for a long time
dashboard-support-ending = Support ending within 90 days
dashboard-nothing = Nothing here.
dashboard-last-contact = last contact { $when }
dashboard-never-contacted = never contacted
dashboard-chart-title = Consultations held per month, by channel
dashboard-chart-table = The figures of the chart
dashboard-month = Month
dashboard-total = Total
dashboard-escalations = Escalations: contact lapsed past the cadence
dashboard-extensions-waiting = Extensions waiting for a decision
dashboard-disclosures = Disclosure requests to answer (deadline)
dashboard-backup-ok = Last backup: { $when }, written and verified.
dashboard-backup-failed = The last scheduled backup ({ $when }) FAILED: see the log.
dashboard-backup-none = No scheduled backup has run yet.
error-too-large-title = Too much data sent
error-too-large-message = This request was larger than the server accepts (2 MB for a form, 9 MB for a file upload). Nothing was changed. Shorten the text, or split the file, and try again.
field-password-weak = This password is too easy to guess: it is, or is built from, a common word, a pattern such as 123456 or aaaa, a keyboard row, or your own name or email address. Try a phrase of three or four unrelated words.
field-password-invalid-characters = A password cannot contain control or invisible characters.
error-title-prefix = Error:{" "}
error-prefix = Error:
error-summary-title = There is a problem
field-optional = (optional)
dashboard-see-all = See all { $count } in the register
dashboard-count-unit = { $count ->
    [one] record
   *[other] records
}
