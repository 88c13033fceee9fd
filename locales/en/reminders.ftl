nav-reminders = Email
reminders-title = Reminder emails
reminders-last-run = Last scheduled run:
reminders-never-run = never
reminders-status = Status
reminders-to = To
reminders-subject = Subject
reminders-attempts = Attempts
reminders-last-error = Last error
reminders-created = Created
reminders-retry = Retry now
reminders-retried = The email is being retried.
reminders-none = No emails.
email-status-pending = Pending
email-status-sent = Sent
email-status-failed = Failed
audit-entity-email = Email
audit-action-enqueue = Queued
audit-action-sent = Sent
audit-action-failed = Failed
audit-action-retry = Retry

reminder-subject = Aftercare: { $count ->
    [one] one reminder
   *[other] { $count } reminders
} for { $date }
reminder-greeting-staff = Hello { $name },
reminder-intro = These need your attention today:
reminder-footer = Open Aftercare: { $link }
reminder-rule-follow-up-due = Follow-ups due
reminder-rule-follow-up-overdue = Overdue follow-ups
reminder-rule-no-contact = No contact for a long time
reminder-rule-allowance-ending = Allowances ending within 30 days
reminder-rule-support-ending = Support ending
reminder-rule-approvals-waiting = Allowance requests waiting
reminder-rule-appointment = Your appointment
reminder-dated-line = { $who }: { $date }
reminder-last-contact-line = { $who }: last contact { $date }
reminder-never-contacted-line = { $who }: never contacted
reminder-waiting-line = { $count ->
    [one] One request waiting; it was submitted { $oldest }
   *[other] { $count } requests waiting; the oldest was submitted { $oldest }
}
reminder-appointment-subject = Your appointment tomorrow
reminder-greeting-leaver = Dear { $name },
reminder-appointment-intro = This is a reminder of your appointment with your support coordinator:
reminder-appointment-line = { $when } ({ $how })
reminder-appointment-footer = If you cannot come, please contact your coordinator.
reminder-rule-plan-missing = No agreed support plan yet
reminder-rule-plan-review-due = Support plans to review
reminder-rule-contact-escalation = Escalation: contact lapsed past the cadence
reminder-rule-extension-waiting = Extensions waiting for a decision
